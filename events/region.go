package events

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/clip"
)

// shortRegions maps the short region codes of COS's old (JSON API / v4)
// naming, still sent in cosBucket.region, to the full region names. Source:
// Tencent Cloud COS "regions and endpoints" documentation (the table of
// legacy short names) and the monitoring docs' region abbreviation table
// (cloud.tencent.com/document/product/248/50863 confirms gz, sh, bj, cd, cq,
// hk); sv, ash, bkk and tokyo follow the cosflow issue and are unconfirmed.
var shortRegions = map[string]string{
	"gz":    "ap-guangzhou",
	"bj":    "ap-beijing",
	"tj":    "ap-beijing-1",
	"sh":    "ap-shanghai",
	"cd":    "ap-chengdu",
	"cq":    "ap-chongqing",
	"hk":    "ap-hongkong",
	"sgp":   "ap-singapore",
	"bkk":   "ap-bangkok",
	"tokyo": "ap-tokyo",
	"ca":    "na-toronto",
	"sv":    "na-siliconvalley",
	"ash":   "na-ashburn",
	"ger":   "eu-frankfurt",
}

// FullRegion maps a region as found in a COS event to its full name: a full
// name (containing '-', e.g. "ap-guangzhou") passes through, a known short
// code ("gz") is expanded, anything else is an error.
func FullRegion(region string) (string, error) {
	if region == "" {
		return "", fmt.Errorf("empty region")
	}
	// It ends up in host names: nothing but their characters.
	if !cosclient.HostLabel(region) {
		return "", fmt.Errorf("region %q has characters outside [a-z0-9-]", clip.String(region, maxValueEcho))
	}
	if strings.Contains(region, "-") {
		return region, nil
	}
	if full, ok := shortRegions[region]; ok {
		return full, nil
	}
	return "", fmt.Errorf("unknown short region code %q (known: %s)", region, knownShortRegions)
}

// knownShortRegions lists shortRegions' codes for an error, sorted.
var knownShortRegions = strings.Join(slices.Sorted(maps.Keys(shortRegions)), ", ")
