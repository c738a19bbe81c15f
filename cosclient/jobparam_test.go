package cosclient

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"testing"
)

func TestJobParamJSONToXML(t *testing.T) {
	tests := []struct {
		name, json, xml, back string
	}{
		{"image inspect", `{"ImageInspect":{"ProcessType":"BackupObject","AutoProcess":true}}`,
			`<JobParam><ImageInspect><AutoProcess>true</AutoProcess><ProcessType>BackupObject</ProcessType></ImageInspect></JobParam>`,
			`{"ImageInspect":{"AutoProcess":"true","ProcessType":"BackupObject"}}`},
		{"template", `{"TemplateId":"t1abc"}`, `<JobParam><TemplateId>t1abc</TemplateId></JobParam>`, `{"TemplateId":"t1abc"}`},
		{"array and numbers", `{"B":{"N":1.50,"Z":null},"A":["x",{"C":"<&>"}]}`,
			`<JobParam><A>x</A><A><C>&lt;&amp;&gt;</C></A><B><N>1.50</N><Z></Z></B></JobParam>`,
			`{"A":["x",{"C":"\u003c\u0026\u003e"}],"B":{"N":"1.50","Z":""}}`},
		{"empty", `{}`, `<JobParam></JobParam>`, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p JobParam
			if err := json.Unmarshal([]byte(tt.json), &p); err != nil {
				t.Fatal(err)
			}
			x, err := xml.Marshal(&p)
			if err != nil || string(x) != tt.xml {
				t.Fatalf("xml = %s (%v)\nwant  %s", x, err, tt.xml)
			}
			var q JobParam // and back, from the wire
			if err := xml.Unmarshal(x, &q); err != nil {
				t.Fatal(err)
			}
			j, err := json.Marshal(&q)
			if err != nil || string(j) != tt.back {
				t.Fatalf("json = %s (%v)\nwant   %s", j, err, tt.back)
			}
			var r JobParam // the JSON form maps to the same XML again
			if err := json.Unmarshal(j, &r); err != nil {
				t.Fatal(err)
			}
			if x2, _ := xml.Marshal(&r); string(x2) != tt.xml {
				t.Errorf("round trip xml = %s", x2)
			}
		})
	}
}

func TestJobParamFromIndentedXML(t *testing.T) {
	var op JobOperation
	err := xml.Unmarshal([]byte("<Operation><JobParam>\n  <ImageInspect>\n    <AutoProcess>true</AutoProcess>\n  </ImageInspect>\n</JobParam></Operation>"), &op)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(op.JobParam)
	if string(j) != `{"ImageInspect":{"AutoProcess":"true"}}` {
		t.Errorf("json = %s", j)
	}
}

func TestJobParamRejects(t *testing.T) {
	for _, in := range []string{`[]`, `"x"`, `1`, `true`, `null`} {
		var p JobParam
		if err := json.Unmarshal([]byte(in), &p); !errors.Is(err, ErrJobParamNotObject) {
			t.Errorf("%s: err = %v, want ErrJobParamNotObject", in, err)
		}
	}
	for _, in := range []string{`{"a b":1}`, `{"1x":1}`, `{"A":[[1]]}`, `{"xmlFoo":1}`, `{"A":{"<":1}}`, `{`} {
		var p JobParam
		if err := json.Unmarshal([]byte(in), &p); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}
