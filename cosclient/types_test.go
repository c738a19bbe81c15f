package cosclient

import (
	"log/slog"
	"testing"
)

func TestJobInputLogAttr(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		in   JobInput
		want slog.Attr
	}{
		{JobInput{Prefix: s("uploads/")}, slog.String("prefix", "uploads/")},
		{JobInput{Prefix: s("")}, slog.String("prefix", "")}, // the whole bucket
		{JobInput{Object: s("a.jpg")}, slog.String("key", "a.jpg")},
		{JobInput{Manifest: s("inv/manifest.json")}, slog.String("manifest", "inv/manifest.json")},
		{JobInput{URLFile: s("urls.txt")}, slog.String("urlFile", "urls.txt")},
		{JobInput{}, slog.Attr{}},
	}
	for _, tt := range tests {
		if got := tt.in.LogAttr(); !got.Equal(tt.want) {
			t.Errorf("LogAttr() = %v, want %v", got, tt.want)
		}
	}
}
