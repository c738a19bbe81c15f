package api_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient"
	"github.com/cosflow/cosflow/handler/api"
)

// The API is an ordinary http.Handler: here in front of a CI emulator,
// served by httptest as it could be by any web server.
func ExampleNew() {
	emu := httptest.NewServer(ciemu.New(ciemu.Options{}))
	defer emu.Close()
	ci, err := cosclient.New(cosclient.Options{
		Region:      "ap-guangzhou",
		Credentials: cosclient.StaticCredentials{SecretID: ciemu.DefaultSecretID, SecretKey: ciemu.DefaultSecretKey},
		Endpoint:    emu.URL,
	})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(api.New(ci, api.Options{
		Token:  "example-token", // in production: os.Getenv("COSFLOW_API_TOKEN")
		Bucket: "examplebucket-1250000000",
		Region: "ap-guangzhou",
	}))
	defer srv.Close()

	body := `{"workflowId":"w0123456789abcdef0123456789abcdef","object":"videos/a.mp4"}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/trigger", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer example-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output: 200 OK
}
