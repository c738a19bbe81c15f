// Package sdkdiff keeps cosflow's hand-written protocol code honest with
// differential tests against the official Go SDK
// (github.com/tencentyun/cos-go-sdk-v5). It lives in the tools module so
// that the product's go.mod never requires the SDK; .ci/run runs its tests
// as it runs the product's (go test -race -short, inside tools/).
//
// It has no code besides its tests: one file for each part of cosflow
// compared with the SDK, its tests named Test<Part>...OfficialSDK...:
//
//   - emulator_test.go: the CI emulator (ciemu) serving the SDK as its
//     client, so the emulator speaks the wire well enough for the SDK to
//     work unchanged;
//   - signer_test.go: cossign and the SDK sign the same random requests
//     and must agree field by field;
//   - scfapi_test.go: tencentcloud-sdk-go's common client calls the SCF
//     API stand-in (scfapitest), which checks its TC3 signature with the
//     function cosflow's scfapi signs with.
//
// To add one, write <part>_test.go in this package. helpers_test.go starts
// an emulator on loopback with the SDK pointed at it (newEmulator), or
// gives the SDK's client for any emulator URL and key pair (sdkClient);
// the SDK's own types (cos.DescribeMediaWorkflowResult,
// cos.WorkflowExecutionNotifyBody, ...) decode or encode a body to set
// against what cosflow's packages send or decode. Anything else the
// product's packages would have to export only for such a test belongs in
// internal/citest.
package sdkdiff
