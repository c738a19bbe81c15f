// Package deploycheck holds serverless.yml to what the Serverless Cloud
// Framework's scf component and the SCF API document, so a configuration
// the platform would refuse, or would accept and then ignore, fails
// `go test ./...` instead of a deploy.
//
// The package has only tests. Its YAML parser is a test-only dependency:
// nothing here is linked into the function binary. scripts/deploy.sh runs
// these tests before every deploy.
package deploycheck
