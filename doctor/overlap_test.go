package doctor

import (
	"strings"
	"testing"

	"github.com/cosflow/cosflow/cosclient"
)

// ruleTakes is how a cosflow rule matches a key (handler.Rule, and the
// ignore prefixes before it).
func ruleTakes(r RuleFilter, key string) bool {
	for _, p := range r.Ignore {
		if strings.HasPrefix(key, p) {
			return false
		}
	}
	return strings.HasPrefix(key, r.Prefix) && strings.HasSuffix(key, r.Suffix)
}

// exactlyTakes is wf's match with extensions compared byte for byte: the
// case-sensitive reading, under which an Overlap not CaseFolded holds.
func exactlyTakes(wf WorkflowFilter, key string) bool {
	in := wf.input()
	exts, anyKey := wf.ExtFilter.Extensions()
	under := false
	for _, p := range in.ObjectPrefixes() {
		under = under || strings.HasPrefix(key, p)
	}
	if !under || anyKey {
		return under
	}
	for _, e := range exts {
		if strings.HasSuffix(key, "."+e) {
			return true
		}
	}
	return false
}

var (
	video  = &cosclient.ExtFilter{State: "On", Video: "true"}
	image  = &cosclient.ExtFilter{State: "On", Image: "true"}
	custom = func(exts string) *cosclient.ExtFilter {
		return &cosclient.ExtFilter{State: "On", Custom: "true", CustomExts: exts}
	}
)

func TestOverlap(t *testing.T) {
	long := strings.Repeat("a", cosclient.MaxObjectKeyLen-len(".mp4")) // a prefix that leaves room for .mp4 only
	tests := []struct {
		name       string
		rule       RuleFilter
		wf         WorkflowFilter
		example    string // "" for no overlap
		caseFolded bool
	}{
		{"both the whole bucket", RuleFilter{}, WorkflowFilter{}, "example", false},
		{"same prefix", RuleFilter{Prefix: "in/"}, WorkflowFilter{ObjectPrefix: "in/"}, "in/example", false},
		{"rule inside the workflow's prefix", RuleFilter{Prefix: "in/videos/"}, WorkflowFilter{ObjectPrefix: "in/"}, "in/videos/example", false},
		{"workflow inside the rule's prefix", RuleFilter{Prefix: "in/"}, WorkflowFilter{ObjectPrefix: "in/raw/"}, "in/raw/example", false},
		{"workflow over the whole bucket", RuleFilter{Prefix: "in/"}, WorkflowFilter{}, "in/example", false},
		{"disjoint prefixes", RuleFilter{Prefix: "in/"}, WorkflowFilter{ObjectPrefix: "out/"}, "", false},
		{"prefixes differ in case", RuleFilter{Prefix: "In/"}, WorkflowFilter{ObjectPrefix: "in/"}, "", false},
		{"prefix as a longer word", RuleFilter{Prefix: "input/"}, WorkflowFilter{ObjectPrefix: "in"}, "input/example", false},
		{"workflow prefix with a leading slash", RuleFilter{Prefix: "in/"}, WorkflowFilter{ObjectPrefix: "/in/"}, "in/example", false},

		{"video rule, video filter", RuleFilter{Prefix: "in/", Suffix: ".mp4"}, WorkflowFilter{ExtFilter: video}, "in/example.mp4", false},
		{"video filter, any rule suffix", RuleFilter{Prefix: "in/"}, WorkflowFilter{ExtFilter: video}, "in/example.dv", false}, // the shortest
		{"disjoint suffixes", RuleFilter{Suffix: ".jpg"}, WorkflowFilter{ExtFilter: video}, "", false},
		{"same prefix, disjoint suffixes", RuleFilter{Prefix: "in/", Suffix: ".mov"}, WorkflowFilter{ObjectPrefix: "in/", ExtFilter: image}, "", false},
		{"image rule, image filter", RuleFilter{Suffix: ".jpg"}, WorkflowFilter{ObjectPrefix: "p/", ExtFilter: image}, "p/example.jpg", false},
		{"upper-case rule suffix", RuleFilter{Suffix: ".MP4"}, WorkflowFilter{ExtFilter: video}, "example.MP4", true},
		{"upper-case custom extension", RuleFilter{Suffix: ".mxf"}, WorkflowFilter{ExtFilter: custom("MXF")}, "example.mxf", true},
		{"partial rule suffix", RuleFilter{Suffix: "4"}, WorkflowFilter{ExtFilter: custom("mp4")}, "example.mp4", false},
		{"partial rule suffix, other case", RuleFilter{Suffix: "P4"}, WorkflowFilter{ExtFilter: custom("mp4")}, "example.mP4", true},
		{"rule suffix longer than the extension", RuleFilter{Suffix: "_hd.mp4"}, WorkflowFilter{ExtFilter: video}, "example_hd.mp4", false},
		{"double extension", RuleFilter{Suffix: ".gz"}, WorkflowFilter{ExtFilter: custom("tar.gz")}, "example.tar.gz", false},
		{"extension needs its dot", RuleFilter{Suffix: "mp4"}, WorkflowFilter{ExtFilter: custom("mp4")}, "example.mp4", false},
		{"rule suffix without the dot is no extension", RuleFilter{Suffix: "xmp4"}, WorkflowFilter{ExtFilter: custom("mp4")}, "", false},

		{"AllFile", RuleFilter{Prefix: "in/", Suffix: ".jpg"}, WorkflowFilter{ExtFilter: &cosclient.ExtFilter{State: "On", Video: "true", AllFile: "true"}}, "in/example.jpg", false},
		{"ContentType", RuleFilter{Suffix: ".bin"}, WorkflowFilter{ExtFilter: &cosclient.ExtFilter{State: "On", ContentType: "true"}}, "example.bin", false},
		{"filter switched off", RuleFilter{Suffix: ".jpg"}, WorkflowFilter{ExtFilter: &cosclient.ExtFilter{State: "Off", Video: "true"}}, "example.jpg", false},

		{"prefix already ends with the suffix", RuleFilter{Prefix: "in/a.mp4", Suffix: ".mp4"}, WorkflowFilter{ExtFilter: video}, "in/a.mp4example.mp4", false},
		{"only the overlapping key is short enough", RuleFilter{Prefix: long[4:] + ".mp4", Suffix: ".mp4"}, WorkflowFilter{ExtFilter: video}, long[4:] + ".mp4", false},
		{"no key short enough", RuleFilter{Prefix: long + "x", Suffix: ".mp4"}, WorkflowFilter{ExtFilter: video}, "", false},
		{"no key short enough for the readable one", RuleFilter{Prefix: long, Suffix: ".mp4"}, WorkflowFilter{ExtFilter: video}, long + ".mp4", false},

		{"the state prefix ignored", RuleFilter{Ignore: []string{".cosflow/"}}, WorkflowFilter{}, "example", false},
		{"the shared prefix ignored", RuleFilter{Prefix: "in/", Ignore: []string{".cosflow/", "in/"}}, WorkflowFilter{ObjectPrefix: "in/"}, "", false},
		{"a shorter ignore prefix covers both", RuleFilter{Prefix: "in/"}, WorkflowFilter{ObjectPrefix: "in/raw/"}, "in/raw/example", false},
		{"an ignore prefix above the workflow's", RuleFilter{Ignore: []string{"in/"}}, WorkflowFilter{ObjectPrefix: "in/raw/"}, "", false},
		{"an ignore prefix beside the workflow's", RuleFilter{Ignore: []string{"out/"}}, WorkflowFilter{ObjectPrefix: "in/"}, "in/example", false},
		{"the workflow's prefix partly ignored", RuleFilter{Ignore: []string{"in/raw/"}}, WorkflowFilter{ObjectPrefix: "in/"}, "in/example", false},
		{"the readable key ignored", RuleFilter{Prefix: "in/", Ignore: []string{"in/example"}}, WorkflowFilter{ObjectPrefix: "in/"}, "in/", false},
		{"the short keys ignored", RuleFilter{Prefix: "in/", Suffix: ".mp4", Ignore: []string{"in/e", "in/."}}, WorkflowFilter{ExtFilter: video}, "in/a.mp4", false},
		{"ignore and case folding", RuleFilter{Suffix: ".MP4", Ignore: []string{"tmp/"}}, WorkflowFilter{ObjectPrefix: "tmp/", ExtFilter: video}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Overlap(tt.rule, tt.wf)
			if ok != (tt.example != "") || got.Example != tt.example || got.CaseFolded != tt.caseFolded {
				t.Fatalf("Overlap = %+v, %v; want %q, case folded %v", got, ok, tt.example, tt.caseFolded)
			}
			if ok {
				checkExample(t, tt.rule, tt.wf, got)
			}
		})
	}
}

// checkExample checks that an overlap's example is a key both filters
// take: under the case-sensitive reading too unless CaseFolded.
func checkExample(t *testing.T, rule RuleFilter, wf WorkflowFilter, got Overlapping) {
	t.Helper()
	if err := cosclient.ValidateObjectKey(got.Example); err != nil {
		t.Errorf("example %q: %v", got.Example, err)
	}
	if !ruleTakes(rule, got.Example) || !wf.input().Matches(got.Example) {
		t.Errorf("example %q is not taken by both (rule %v, workflow %v)", got.Example, ruleTakes(rule, got.Example), wf.input().Matches(got.Example))
	}
	if !got.CaseFolded && !exactlyTakes(wf, got.Example) {
		t.Errorf("example %q needs case folding, but CaseFolded is not set", got.Example)
	}
}

// FuzzOverlap: whenever a key both filters take exists (a key built from
// the fuzzer's parts, some of them the filters' own prefixes and
// extensions, none under the rule's ignore prefix), Overlap reports an
// overlap, and its example is taken by both.
func FuzzOverlap(f *testing.F) {
	f.Add("in/", ".mp4", "in/", uint8(1), "", "a", "")
	f.Add("", "", "", uint8(0), "", "", "")
	f.Add("in/videos/", "", "in/", uint8(2), "", "x.", "")
	f.Add("a", "4", "/a", uint8(16), "mp4/MXF", "", "")
	f.Add("p/", ".MP4", "p", uint8(1), "", ".", "")
	f.Add("x", "P4", "", uint8(16), "mp4", "m", "")
	f.Add("in/a.mp4", ".mp4", "", uint8(1), "", "", "")
	f.Add("out/", ".jpg", "in/", uint8(4), "", "q", "")
	f.Add("", ".bin", "", uint8(8), "", "", "")
	f.Add("", "", "in/", uint8(0), "", "", "in/e")
	f.Add("in/", ".mp4", "", uint8(1), "", "e", "in/.")
	f.Add("", "", "", uint8(0), "", "x", ".cosflow/")
	f.Fuzz(func(t *testing.T, rulePrefix, ruleSuffix, objectPrefix string, flags uint8, customExts, middle, ignore string) {
		for _, s := range []string{rulePrefix, ruleSuffix, objectPrefix, customExts, ignore} {
			if cosclient.ValidatePrefix(s) != nil {
				return // filters are text: config checks rules' (ci_prefix), CI's are XML text
			}
		}
		rule := RuleFilter{Prefix: rulePrefix, Suffix: ruleSuffix}
		if ignore != "" {
			rule.Ignore = []string{ignore}
		}
		wf := WorkflowFilter{ObjectPrefix: objectPrefix, ExtFilter: filterOf(flags, customExts)}
		got, ok := Overlap(rule, wf)
		if ok {
			checkExample(t, rule, wf, got)
		}
		for _, key := range candidates(rule, wf, middle) {
			if cosclient.ValidateObjectKey(key) != nil || !ruleTakes(rule, key) || !wf.input().Matches(key) {
				continue
			}
			if !ok {
				t.Fatalf("no overlap reported, but both take %q (rule %+v, workflow %q %+v)", key, rule, objectPrefix, wf.ExtFilter)
			}
			if got.CaseFolded && exactlyTakes(wf, key) {
				t.Fatalf("CaseFolded, but both take %q byte for byte", key)
			}
		}
	})
}

// filterOf is an ExtFilter from fuzz bits: On (bit 7 clear), Video,
// Audio, Image, ContentType, Custom, AllFile.
func filterOf(flags uint8, customExts string) *cosclient.ExtFilter {
	if flags == 0 {
		return nil
	}
	b := func(bit uint) string {
		if flags&(1<<bit) != 0 {
			return "true"
		}
		return "false"
	}
	state := "On"
	if flags&0x80 != 0 {
		state = "Off"
	}
	return &cosclient.ExtFilter{State: state, Video: b(0), Audio: b(1), Image: b(2), ContentType: b(3),
		Custom: b(4), CustomExts: customExts, AllFile: b(5)}
}

// candidates are keys likely to be taken by both filters: the prefixes,
// the middle, the rule's suffix and the workflow's extensions (in both
// cases) put together in their usual orders, and overlapping.
func candidates(rule RuleFilter, wf WorkflowFilter, middle string) []string {
	exts, _ := wf.ExtFilter.Extensions()
	tails := []string{"", rule.Suffix}
	for i, e := range exts {
		if i == 3 && len(exts) > 6 {
			e = exts[len(exts)-1] // a custom extension after a built-in list
		} else if i > 3 {
			break
		}
		tails = append(tails, "."+e, "."+strings.ToUpper(e), "."+e+rule.Suffix, rule.Suffix+"."+e)
	}
	prefixes := append(wf.input().ObjectPrefixes(), rule.Prefix, "")
	prefixes = append(prefixes, rule.Prefix+wf.ObjectPrefix, wf.ObjectPrefix+rule.Prefix)
	var keys []string
	for _, p := range prefixes {
		for _, t := range tails {
			keys = append(keys, p+middle+t, p+t, middle+t)
		}
	}
	return keys
}
