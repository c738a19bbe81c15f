package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// commonHelp is what every operator command shares: where bucket, region
// and credentials come from, the output formats and the exit codes.
const commonHelp = `Flags of the operator commands:
  -bucket B       bucket (BucketName-APPID); default $COSFLOW_BUCKET
  -region R       its region, e.g. ap-guangzhou; default $COSFLOW_REGION
  -o table|json   table: aligned columns, the fields people read first
                  (default); json: one JSON object per line, the HTTP API's
                  field names
  -profile P      section of the credentials file (default "default")

Credentials, the first found:
  1. TENCENTCLOUD_SECRETID, TENCENTCLOUD_SECRETKEY, TENCENTCLOUD_SESSIONTOKEN
     (SCF's spelling)
  2. TENCENTCLOUD_SECRET_ID, TENCENTCLOUD_SECRET_KEY, TENCENTCLOUD_SESSION_TOKEN
     (the Tencent Cloud SDKs' spelling)
  3. the SDKs' credentials file: $TENCENTCLOUD_CREDENTIALS_FILE, else
     ~/.tencentcloud/credentials; INI, section [default] or -profile's, keys
     secret_id, secret_key and optionally token
COSFLOW_CI_ENDPOINT, when set, sends every call there (the emulator).

-timeout (default 60s) bounds each command as a whole, every call and page
included; jobs wait's own -timeout bounds the wait. -all reads at most
1,000 pages, then says the listing was cut short (exit 1).

Exit codes: 0 done; 1 CI refused or failed (CI's code, message and request
ID on stderr), a listing was cut short, or the waited job ended Failed or
Cancel; 2 usage or validation mistake, or no credentials (nothing was
sent); 3 the command ran out of -timeout (jobs wait: the job goes on).
`

// usage is `cosflow help`: every command with its synopsis.
func usage() string {
	var b strings.Builder
	b.WriteString("cosflow runs and watches CI (Cloud Infinite) work from a terminal, and is\n" +
		"the SCF function itself: with _LAMBDA_SERVER_PORT or _SCF_SERVER_PORT set and\n" +
		"no arguments it serves the SCF runtime protocol.\n\nusage: cosflow COMMAND [ARGS] [flags]\n")
	var operator, local []*command
	for _, c := range commands() {
		if c.operator {
			operator = append(operator, c)
		} else {
			local = append(local, c)
		}
	}
	b.WriteString("\nOperator commands:\n")
	writeSynopses(&b, operator)
	b.WriteString("\nLocal runs:\n")
	writeSynopses(&b, local)
	b.WriteString("\n" + commonHelp + "\nRun 'cosflow COMMAND -h' (or 'cosflow help COMMAND') for a command's flags\nand an example.\n")
	return b.String()
}

// writeSynopses lists commands, each with its synopsis and summary.
func writeSynopses(b *strings.Builder, cs []*command) {
	for _, c := range cs {
		fmt.Fprintf(b, "  cosflow %s\n        %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
}

// help is `cosflow help [COMMAND]`; a group alone lists its commands.
func (s *session) help(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(s.stdout, usage())
		return ExitOK
	}
	if group := members(args[0]); len(args) == 1 && len(group) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "usage: cosflow %s SUBCOMMAND [ARGS] [flags]\n\n", args[0])
		writeSynopses(&b, group)
		fmt.Fprintf(&b, "\nRun 'cosflow %s SUBCOMMAND -h' for a command's flags and an example.\n", args[0])
		fmt.Fprint(s.stdout, b.String())
		return ExitOK
	}
	c, rest, err := lookup(args)
	if err != nil || len(rest) > 0 {
		if err == nil {
			err = fmt.Errorf("unknown command %q", strings.Join(args, " "))
		}
		fmt.Fprintf(s.stderr, "cosflow help: %v\nRun 'cosflow help' for the commands.\n", err)
		return ExitUsage
	}
	fs := newFlagSet(c)
	c.setup(s, c, fs)
	printCommandHelp(s.stdout, c, fs)
	return ExitOK
}

// printCommandHelp is a command's -h: synopsis, what it does, its flags
// and an example.
func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: cosflow %s\n\n%s\n", strings.TrimSpace(c.name+" "+c.args), c.help)
	var flags strings.Builder
	tw := tabwriter.NewWriter(&flags, 0, 0, 2, ' ', 0)
	fs.VisitAll(func(f *flag.Flag) {
		if c.operator && commonFlag(f.Name) {
			return // described once, below
		}
		name, usage := flag.UnquoteUsage(f)
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(tw, "  -%s\t%s\n", strings.TrimSpace(f.Name+" "+name), usage+def)
	})
	_ = tw.Flush()
	if flags.Len() > 0 {
		fmt.Fprintf(w, "\nFlags:\n%s", flags.String())
	}
	fmt.Fprintf(w, "\nExample:\n  %s\n", c.example)
	if c.operator {
		fmt.Fprintf(w, "\n%s", commonHelp)
	}
}
