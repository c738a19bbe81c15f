package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/cosflow/cosflow/handler"
)

// maxServerlessBytes bounds a serverless.yml: ours is a few KB.
const maxServerlessBytes = 1 << 20

// deployment is what `cosflow doctor -serverless FILE` reads of a
// serverless.yml (the scf component's inputs): the function's environment
// variables as the framework deploys them, the folder its code package is
// made of, and its timer triggers.
type deployment struct {
	file      string
	variables map[string]string
	codeRoot  string // where the *_FILE settings are read from
	timers    []timerTrigger
}

// timerTrigger is one timer event of the function: its name, its argument
// (the tick's Message) and whether it is enabled.
type timerTrigger struct {
	name, argument string
	enabled        bool
}

// serverlessYAML is the part of the scf component's serverless.yml that
// deployment reads.
type serverlessYAML struct {
	Inputs struct {
		// Src is the code folder: a path, or {src: path, exclude: [...]}.
		Src         yaml.Node `yaml:"src"`
		Environment struct {
			Variables map[string]string `yaml:"variables"`
		} `yaml:"environment"`
		Events []struct {
			Timer *struct {
				Parameters struct {
					Name     string `yaml:"name"`
					Argument string `yaml:"argument"`
					Enable   string `yaml:"enable"`
				} `yaml:"parameters"`
			} `yaml:"timer"`
		} `yaml:"events"`
	} `yaml:"inputs"`
}

// envReference is the framework's ${env:NAME}, the environment variable
// NAME of the deploying shell (serverless.com/framework/docs-providers-
// tencent-guide-variables).
var envReference = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}`)

// readDeployment reads the serverless.yml at path. A ${env:NAME} in a
// variable's value is NAME from getenv, else from the .env file next to
// path: the framework loads that file too (scripts/deploy.sh relies on
// it), and, as dotenv does, without overriding what the shell sets.
func (s *session) readDeployment(path string) (*deployment, error) {
	data, err := s.readInput(path, maxServerlessBytes)
	if err != nil {
		return nil, err
	}
	var y serverlessYAML
	if err := yaml.Unmarshal(data, &y); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	dir := filepath.Dir(path)
	dotenv := map[string]string{}
	if data, err := s.readInput(filepath.Join(dir, ".env"), maxServerlessBytes); err == nil {
		dotenv = parseDotenv(data)
	}
	d := &deployment{file: path, variables: map[string]string{}, codeRoot: dir}
	for name, value := range y.Inputs.Environment.Variables {
		d.variables[name] = envReference.ReplaceAllStringFunc(value, func(ref string) string {
			name := envReference.FindStringSubmatch(ref)[1]
			if v := s.getenv(name); v != "" {
				return v
			}
			return dotenv[name]
		})
	}
	src := y.Inputs.Src.Value
	if y.Inputs.Src.Kind == yaml.MappingNode {
		var m struct {
			Src string `yaml:"src"`
		}
		if err := y.Inputs.Src.Decode(&m); err != nil {
			return nil, fmt.Errorf("%s: inputs.src: %w", path, err)
		}
		src = m.Src
	}
	if src != "" {
		d.codeRoot = filepath.Join(dir, src)
	}
	for _, e := range y.Inputs.Events {
		if e.Timer == nil {
			continue
		}
		p := e.Timer.Parameters
		d.timers = append(d.timers, timerTrigger{name: p.Name, argument: p.Argument, enabled: !strings.EqualFold(strings.TrimSpace(p.Enable), "false")})
	}
	return d, nil
}

// getenv is the environment the deployed function sees: the file's
// variables alone for cosflow's settings, the code folder as
// USER_CODE_ROOT, and the terminal's own for the rest (its credentials),
// and for COSFLOW_CI_ENDPOINT when the file does not set it (a dial
// override for the emulator, which a deployment leaves unset).
func (d *deployment) getenv(getenv func(string) string) func(string) string {
	return func(name string) string {
		if v, ok := d.variables[name]; ok {
			return v
		}
		switch {
		case name == handler.EnvCodeRoot:
			return d.codeRoot
		case name == handler.EnvCIEndpoint:
			return getenv(name)
		case strings.HasPrefix(name, "COSFLOW_"):
			return ""
		}
		return getenv(name)
	}
}

// parseDotenv reads the NAME=VALUE lines of a .env file (optionally
// after "export", the value optionally quoted).
func parseDotenv(data []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimSpace(strings.TrimPrefix(line, "export "))
		name, value, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
			value = value[1 : len(value)-1]
		}
		out[strings.TrimSpace(name)] = value
	}
	return out
}
