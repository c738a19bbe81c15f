package sdkdiff

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/internal/citest"
)

// storedObject is an object as a GET read it, whoever's client.
type storedObject struct {
	body                        string
	contentType, etag, modified string
}

// TestOfficialSDKObjects is the differential test of GET and PUT Object:
// what the official Go SDK stores, cosclient reads the same as the SDK
// does, and the other way round; an exclusive PUT of either is refused
// alike (x-cos-forbid-overwrite, 409 FileAlreadyExists), and a missing key
// is not found for both.
func TestEmulatorOfficialSDKObjects(t *testing.T) {
	_, u, sdk := newEmulator(t, ciemu.Options{})
	ours := citest.Client(t, u, nil)
	ctx := context.Background()

	sdkGet := func(key string) (storedObject, error) {
		resp, err := sdk.Object.Get(ctx, key, nil)
		if err != nil {
			return storedObject{}, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return storedObject{string(b), resp.Header.Get("Content-Type"), resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")}, err
	}
	oursGet := func(key string) (storedObject, error) {
		out, err := ours.GetObject(ctx, &cosclient.GetObjectInput{Key: key})
		if err != nil {
			return storedObject{}, err
		}
		return storedObject{string(out.Body), out.ContentType, out.ETag, out.LastModified.Format(http.TimeFormat)}, nil
	}
	exclusive := &http.Header{}
	exclusive.Set("x-cos-forbid-overwrite", "true")
	sdkPut := func(key, body string, forbid bool) error {
		opt := &cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{ContentType: "application/json"}}
		if forbid {
			opt.XOptionHeader = exclusive
		}
		_, err := sdk.Object.Put(ctx, key, bytes.NewReader([]byte(body)), opt)
		return err
	}
	oursPut := func(key, body string, forbid bool) error {
		_, err := ours.PutObject(ctx, &cosclient.PutObjectInput{Key: key, Body: []byte(body), ContentType: "application/json", ForbidOverwrite: forbid})
		return err
	}
	writers := []struct {
		name string
		put  func(key, body string, forbid bool) error
	}{{"sdk", sdkPut}, {"cosclient", oursPut}}

	for _, name := range []string{"state/a.json", "state/中文 key+1=%.json", "state/empty"} {
		for _, w := range writers {
			key := name + "." + w.name
			body := `{"by":"` + w.name + `"}`
			if name == "state/empty" {
				body = ""
			}
			if err := w.put(key, body, true); err != nil {
				t.Fatalf("%s exclusive put %q: %v", w.name, key, err)
			}
			a, errA := sdkGet(key)
			b, errB := oursGet(key)
			if errA != nil || errB != nil || a != b || a.body != body || a.contentType != "application/json" || a.etag == "" {
				t.Errorf("%s put %q: the SDK read %+v (%v), cosclient %+v (%v)", w.name, key, a, errA, b, errB)
			}
			if _, err := time.Parse(http.TimeFormat, a.modified); err != nil {
				t.Errorf("Last-Modified: %v", err)
			}
			// Both refuse to overwrite it exclusively, alike.
			err := sdkPut(key, "again", true)
			var ce *cos.ErrorResponse
			if !errors.As(err, &ce) || ce.Code != "FileAlreadyExists" || ce.Response.StatusCode != 409 {
				t.Errorf("SDK exclusive overwrite of %q: %v", key, err)
			}
			if err := oursPut(key, "again", true); !cosclient.ObjectExists(err) {
				t.Errorf("cosclient exclusive overwrite of %q: %v", key, err)
			}
			if got, _ := oursGet(key); got.body != body {
				t.Errorf("a refused put changed %q to %q", key, got.body)
			}
			// A plain put overwrites.
			if err := w.put(key, body+" ", false); err != nil {
				t.Errorf("%s overwrite of %q: %v", w.name, key, err)
			}
			if got, _ := sdkGet(key); got.body != body+" " {
				t.Errorf("after %s overwrite %q holds %q", w.name, key, got.body)
			}
		}
	}

	_, err := sdk.Object.Get(ctx, "state/none", nil)
	var ce *cos.ErrorResponse
	if !cos.IsNotFoundError(err) || !errors.As(err, &ce) || ce.Code != "NoSuchKey" {
		t.Errorf("SDK GET of a missing key: %v", err)
	}
	_, err = ours.GetObject(ctx, &cosclient.GetObjectInput{Key: "state/none"})
	var nf *cosclient.NotFoundError
	if !errors.As(err, &nf) || nf.ID != "state/none" {
		t.Errorf("cosclient GET of a missing key: %v", err)
	}
}
