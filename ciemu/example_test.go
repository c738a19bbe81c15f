package ciemu_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/cosflow/cosflow/ciemu"
	"github.com/cosflow/cosflow/cosclient/cossign"
)

// Start an emulator on loopback and trigger a workflow by hand. The Host
// header, not the address, names the bucket.
func Example() {
	emu := ciemu.New(ciemu.Options{})
	srv, err := emu.Start("127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL()+"/triggerworkflow?workflowId=w1234567890abcdef1234567890abcdef&object=a.jpg", nil)
	req.Host = "examplebucket-1250000000.ci.ap-guangzhou.myqcloud.com"
	cossign.Sign(req, ciemu.DefaultSecretID, ciemu.DefaultSecretKey, cossign.NewWindow(time.Now(), time.Minute, 10*time.Minute))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	fmt.Println(resp.StatusCode, emu.TriggerCount("examplebucket-1250000000", "w1234567890abcdef1234567890abcdef", "a.jpg"))
	// Output: 200 1
}
