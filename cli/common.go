package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler"
	"github.com/cosflow/cosflow/internal/cirules"
	"github.com/cosflow/cosflow/internal/clip"
	"github.com/cosflow/cosflow/internal/termsafe"
	"github.com/cosflow/cosflow/internal/valid"
)

// opFlags are the flags every operator command takes.
type opFlags struct {
	bucket, region, output, profile string
}

// defaultTimeout bounds an operator command (-timeout): a call answers in
// well under a second, a 1,000-page listing in a few minutes at most.
const defaultTimeout = 60 * time.Second

// addOpFlags declares the operator flags on fs; bucket and region default
// to the function's own settings, so one environment serves both. Unless
// the command declared its own -timeout (jobs wait's bounds the wait),
// -timeout bounds the whole command.
func (s *session) addOpFlags(fs *flag.FlagSet) *opFlags {
	f := &opFlags{}
	if fs.Lookup("timeout") == nil {
		s.timeout = fs.Duration("timeout", defaultTimeout, "give up after this long (exit 3)")
	}
	fs.StringVar(&f.bucket, "bucket", s.getenv(handler.EnvBucket), "bucket (BucketName-APPID); default $"+handler.EnvBucket)
	fs.StringVar(&f.region, "region", s.getenv(handler.EnvRegion), "the bucket's region; default $"+handler.EnvRegion)
	fs.StringVar(&f.output, "o", outputTable, "output: table or json")
	fs.StringVar(&f.profile, "profile", "", "section of the credentials file (default \"default\")")
	return f
}

// commonFlag reports whether name is one of the operator flags, which
// help describes once for all commands.
func commonFlag(name string) bool {
	switch name {
	case "bucket", "region", "o", "profile":
		return true
	}
	return false
}

// flagFor names the flag that sets an API parameter or body field, so a
// refusal names what the operator typed; "" when no flag sets it.
var flagFor = map[string]string{
	"workflowId": "-workflow",
	"object":     "-object",
	"name":       "-name",
	"states":     "-states",
	"since":      "-since",
	"size":       "-size",
	"type":       "-type",
	"bucket":     "-bucket",
	"region":     "-region",
}

// invalid reports a usage or validation mistake: one line naming what to
// fix, exit 2.
func (s *session) invalid(c *command, format string, args ...any) int {
	fmt.Fprintf(s.stderr, "cosflow %s: %s\n", c.name, oneLine(fmt.Sprintf(format, args...)))
	return ExitUsage
}

// refused reports a validation failure of the API's request types, the
// field named as the flag that set it (a JSON field, in a file, keeps its
// path, after the file's name).
func (s *session) refused(c *command, err error, file string) int {
	var fe *valid.FieldError
	if !errors.As(err, &fe) {
		return s.invalid(c, "%v", err)
	}
	name := fe.Field
	switch {
	case file == "-":
		name = strings.TrimSuffix("stdin: "+fe.Field, ": ")
	case file != "":
		name = strings.TrimSuffix(file+": "+fe.Field, ": ")
	case flagFor[fe.Field] != "":
		name = flagFor[fe.Field]
	}
	if name == "" {
		return s.invalid(c, "%s", fe.Reason)
	}
	return s.invalid(c, "%s: %s", name, fe.Reason)
}

// ciFailed reports a failed CI call in one line: CI's code, message, HTTP
// status and request ID when CI answered, else what went wrong; exit 1.
// An input cosclient refused is a validation mistake (exit 2); a call the
// command's -timeout ended is named with the operation (exit 3); a
// listing cut short (its page budget spent, or CI's continuation not
// moving) says so (exit 1: the rows printed are not the whole listing).
func (s *session) ciFailed(c *command, err error) int {
	if fe := cirules.FieldError(err, "", nil); fe != nil {
		return s.refused(c, fe, "")
	}
	op := "the CI call"
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		op = oe.Operation()
	}
	var (
		ae  smithy.APIError
		nf  *cosclient.NotFoundError
		lc  *cosclient.ListingCutShortError
		msg string
	)
	status := cosclient.ErrorStatus(err)
	code := ExitFailed
	switch {
	case s.timedOut():
		msg = fmt.Sprintf("-timeout %v ran out during %s", *s.timeout, op)
		code = ExitTimeout
	case errors.As(err, &lc):
		// Not CI's failure, and not to be mistaken for the whole listing.
		msg = fmt.Sprintf("the %s listing was cut short after %d pages (%s): the rows printed are not all of it; narrow it with -since or -states", lc.Operation, lc.Pages, lc.Reason)
	case errors.As(err, &ae):
		verb := "refused"
		if status >= 500 {
			verb = "failed"
		}
		msg = fmt.Sprintf("CI %s %s: %s: %s", verb, op, ae.ErrorCode(), ae.ErrorMessage())
	case errors.As(err, &nf):
		msg = fmt.Sprintf("%s: %v", op, nf)
	case oe != nil:
		msg = fmt.Sprintf("%s failed: %v", op, oe.Err)
	default:
		msg = err.Error()
	}
	var detail []string
	if status >= 300 { // a 2xx is a call that failed reading the answer: its status says nothing
		detail = append(detail, "HTTP "+strconv.Itoa(status))
	}
	if id := cosclient.ErrorRequestID(err); id != "" {
		detail = append(detail, "request ID "+id)
	}
	if len(detail) > 0 {
		msg += " (" + strings.Join(detail, ", ") + ")"
	}
	fmt.Fprintf(s.stderr, "cosflow %s: %s\n", c.name, oneLine(msg))
	return code
}

// oneLine keeps a message on one line and free of terminal control
// sequences (termsafe): CI's messages and object keys are not ours.
func oneLine(s string) string {
	return clip.String(termsafe.String(s), maxMessage)
}

// maxMessage bounds one error line, in bytes.
const maxMessage = 2000

// maxFlagEcho bounds, in bytes, how much of a flag's value an error
// repeats.
const maxFlagEcho = 20

// target checks the bucket and region the flags (or their defaults)
// name, with CI's own rules.
func (s *session) target(c *command, f *opFlags) (ok bool) {
	for _, v := range []struct {
		flag, value, env string
		check            func(string) error
	}{
		{"-bucket", f.bucket, handler.EnvBucket, cosclient.ValidateBucket},
		{"-region", f.region, handler.EnvRegion, cosclient.ValidateRegion},
	} {
		if v.value == "" {
			s.invalid(c, "%s is required (or set %s)", v.flag, v.env)
			return false
		}
		if err := v.check(v.value); err != nil {
			s.invalid(c, "%s: %s", v.flag, reason(err))
			return false
		}
	}
	return true
}

// reason is a cosclient rule's reason without the field name it was
// checked under.
func reason(err error) string {
	if pes := cosclient.ParamErrors(err); len(pes) > 0 {
		return pes[0].Reason()
	}
	return err.Error()
}

// client is a CI client for the flags' bucket and region, signing with
// the operator's credentials (cosclient.OperatorCredentials). They are
// read once, up front, so that their absence is one line naming every
// place looked, before anything is sent; every call of the command (each
// page, each jobs wait poll) then signs with what was read, rather than
// reading the environment and the credentials file again.
func (s *session) client(c *command, f *opFlags) (*cosclient.Client, bool) {
	if !s.target(c, f) {
		return nil, false
	}
	creds, err := cosclient.OperatorCredentials(f.profile).Credentials(s.ctx)
	if err != nil {
		s.invalid(c, "%v", err)
		return nil, false
	}
	client, err := cosclient.New(cosclient.Options{
		Bucket: f.bucket, Region: f.region, Credentials: cosclient.StaticCredentials(creds),
		Endpoint: s.getenv(handler.EnvCIEndpoint),
	})
	if err != nil {
		s.invalid(c, "%s: %v", handler.EnvCIEndpoint, err)
		return nil, false
	}
	return client, true
}

// printer checks -o and returns the writer of the command's results.
func (s *session) printer(c *command, f *opFlags) (*printer, bool) {
	switch f.output {
	case outputTable, outputJSON:
		return &printer{w: s.stdout, json: f.output == outputJSON}, true
	}
	s.invalid(c, "-o: must be %s or %s, not %q", outputTable, outputJSON, clip.String(f.output, maxFlagEcho))
	return nil, false
}

// readInput reads the file -f names, or stdin for "-", at most limit
// bytes.
func (s *session) readInput(path string, limit int64) ([]byte, error) {
	var r io.Reader = s.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, limit)
	}
	return data, nil
}

// done ends a command whose results were printed: a failure to write
// them is exit 1.
func (s *session) done(c *command, err error) int {
	if err != nil {
		fmt.Fprintf(s.stderr, "cosflow %s: %s\n", c.name, oneLine(err.Error()))
		return ExitFailed
	}
	return ExitOK
}

// idCall checks the one argument of a command on one job or run, its ID
// (named name in the synopsis), and the flags, and returns the client and
// printer for the call.
func (s *session) idCall(c *command, f *opFlags, args []string, name string) (*cosclient.Client, *printer, bool) {
	if !s.needArgs(c, args, name) {
		return nil, nil, false
	}
	p, ok := s.printer(c, f)
	if !ok {
		return nil, nil, false
	}
	if err := cosclient.ValidateID(args[0]); err != nil {
		s.invalid(c, "%s: %s", name, reason(err))
		return nil, nil, false
	}
	client, ok := s.client(c, f)
	return client, p, ok
}

// oneID is the setup of a command on one job or run: the operator flags
// and the ID argument (named arg in the synopsis), checked before do
// makes the call.
func oneID(arg string, do func(s *session, c *command, client *cosclient.Client, p *printer, id string) int) func(*session, *command, *flag.FlagSet) func([]string) int {
	return func(s *session, c *command, fs *flag.FlagSet) func([]string) int {
		f := s.addOpFlags(fs)
		return func(args []string) int {
			client, p, ok := s.idCall(c, f, args, arg)
			if !ok {
				return ExitUsage
			}
			return do(s, c, client, p, args[0])
		}
	}
}
