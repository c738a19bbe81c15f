package cosclient_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
)

// filler sets every field of a value, by reflection, to a value of its
// own: strings (with characters XML must escape), numbers, true, slices
// of two, pointers to filled values, Node trees of valid element names.
// XMLName (the element's own name) and ResultMetadata (what the client
// learnt) are left alone. A field added to a wire type is filled, and so
// covered, without an edit here; a kind of field it cannot fill fails.
type filler struct {
	n   int
	err error
}

var (
	xmlNameType  = reflect.TypeFor[xml.Name]()
	metadataType = reflect.TypeFor[cosclient.OutputMetadata]()
	nodeType     = reflect.TypeFor[cosclient.Node]()
)

// nodeDepth is how deep a filled Node tree goes below its first level.
const nodeDepth = 2

func (f *filler) next() int { f.n++; return f.n }

func (f *filler) fill(v reflect.Value, depth int) {
	switch t := v.Type(); {
	case t == xmlNameType, t == metadataType:
		return
	case t == nodeType:
		v.FieldByName("XMLName").Set(reflect.ValueOf(xml.Name{Local: "N" + strconv.Itoa(f.next())}))
		if depth == 0 {
			v.FieldByName("Text").SetString(f.text())
			return
		}
		f.fill(v.FieldByName("Nodes"), depth-1)
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.text())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(f.next()))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), depth)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			f.fill(v.Index(i), depth)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if !v.Type().Field(i).IsExported() {
				f.err = fmt.Errorf("%s.%s is unexported", v.Type(), v.Type().Field(i).Name)
				continue
			}
			f.fill(v.Field(i), depth)
		}
	default:
		f.err = fmt.Errorf("cannot fill a %s", v.Type())
	}
}

func (f *filler) text() string { return "v" + strconv.Itoa(f.next()) + ` <&>"'图😀` }

// zeroFields lists the fields of v left zero, as paths (XMLName and
// ResultMetadata apart).
func zeroFields(v reflect.Value, path string) []string {
	switch t := v.Type(); {
	case t == xmlNameType, t == metadataType:
		return nil
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			return []string{path}
		}
		return zeroFields(v.Elem(), path)
	case v.Kind() == reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		var zero []string
		for i := range v.Len() {
			zero = append(zero, zeroFields(v.Index(i), path+"["+strconv.Itoa(i)+"]")...)
		}
		return zero
	case v.Kind() == reflect.Struct:
		var zero []string
		for i := range v.NumField() {
			f := t.Field(i)
			if t == nodeType && (f.Name == "Text" || f.Name == "Nodes") {
				continue // a Node holds text or children
			}
			zero = append(zero, zeroFields(v.Field(i), path+"."+f.Name)...)
		}
		return zero
	case v.IsZero():
		return []string{path}
	}
	return nil
}

// TestOutputsRoundTrip fills every field of every output, has the
// emulator answer it, and checks the client decodes the same value.
func TestOutputsRoundTrip(t *testing.T) {
	const jobID, runID = "b-asked-for", "i-asked-for"
	tests := []struct {
		op   string
		want any // filled, then answered
		call func(context.Context, *cosclient.Client) (any, error)
		// about, when set, makes the filled answer one about what the
		// call asks (the client refuses an answer about another ID).
		about func(any)
	}{
		{"TriggerWorkflow", &cosclient.TriggerWorkflowOutput{}, func(ctx context.Context, c *cosclient.Client) (any, error) {
			return c.TriggerWorkflow(ctx, &cosclient.TriggerWorkflowInput{WorkflowID: emuWorkflow, Object: "a.jpg"})
		}, nil},
		{"CreateInventoryTriggerJob", &cosclient.CreateInventoryTriggerJobOutput{}, func(ctx context.Context, c *cosclient.Client) (any, error) {
			return c.CreateInventoryTriggerJob(ctx, &cosclient.CreateInventoryTriggerJobInput{Name: "n",
				Input: cosclient.JobInput{Prefix: new(string)}, Operation: cosclient.JobOperation{WorkflowIDs: emuWorkflow}})
		}, nil},
		{"DescribeInventoryTriggerJobs", &cosclient.DescribeInventoryTriggerJobsOutput{}, func(ctx context.Context, c *cosclient.Client) (any, error) {
			return c.DescribeInventoryTriggerJobs(ctx, nil)
		}, nil},
		// Found: JobsDetail is set and NonExistJobIds does not name the ID.
		{"DescribeInventoryTriggerJob", &cosclient.DescribeInventoryTriggerJobOutput{}, func(ctx context.Context, c *cosclient.Client) (any, error) {
			return c.DescribeInventoryTriggerJob(ctx, &cosclient.DescribeInventoryTriggerJobInput{JobID: jobID})
		}, func(v any) { v.(*cosclient.DescribeInventoryTriggerJobOutput).JobsDetail.JobID = jobID }},
		{"CancelInventoryTriggerJob", &cosclient.CancelInventoryTriggerJobOutput{}, func(ctx context.Context, c *cosclient.Client) (any, error) {
			return c.CancelInventoryTriggerJob(ctx, &cosclient.CancelInventoryTriggerJobInput{JobID: jobID})
		}, nil},
		{"DescribeWorkflowExecutions", &cosclient.DescribeWorkflowExecutionsOutput{}, func(ctx context.Context, c *cosclient.Client) (any, error) {
			return c.DescribeWorkflowExecutions(ctx, &cosclient.DescribeWorkflowExecutionsInput{WorkflowID: emuWorkflow})
		}, func(v any) {
			runs := v.(*cosclient.DescribeWorkflowExecutionsOutput).WorkflowExecutionList
			for i := range runs {
				runs[i].WorkflowID = emuWorkflow
			}
		}},
		// Found: the execution has a RunId.
		{"DescribeWorkflowExecution", &cosclient.DescribeWorkflowExecutionOutput{}, func(ctx context.Context, c *cosclient.Client) (any, error) {
			return c.DescribeWorkflowExecution(ctx, &cosclient.DescribeWorkflowExecutionInput{RunID: runID})
		}, func(v any) { v.(*cosclient.DescribeWorkflowExecutionOutput).WorkflowExecution.RunID = runID }},
		{"ListObjects", &cosclient.ListObjectsOutput{}, func(ctx context.Context, c *cosclient.Client) (any, error) {
			return c.ListObjects(ctx, nil)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			f := filler{}
			want := reflect.ValueOf(tt.want)
			f.fill(want.Elem(), nodeDepth)
			if f.err != nil {
				t.Fatal(f.err)
			}
			if zero := zeroFields(want, tt.op+"Output"); len(zero) > 0 {
				t.Fatalf("fields left zero: %v", zero)
			}
			if tt.about != nil {
				tt.about(tt.want)
			}
			emu, c := newEmulator(t, ciemu.Options{})
			emu.SetAnswer(tt.op, tt.want)
			got, err := tt.call(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			g := reflect.ValueOf(got).Elem()
			for _, name := range []string{"XMLName", "OutputMetadata"} {
				if fv := g.FieldByName(name); fv.IsValid() {
					fv.SetZero()
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("decoded %+v\nwant    %+v", got, tt.want)
			}
		})
	}
}
