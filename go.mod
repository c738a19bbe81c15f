module github.com/cosflow/cosflow

go 1.26.8

require (
	github.com/aws/smithy-go v1.28.9
	github.com/go-playground/validator/v10 v10.30.6
	github.com/tencentyun/cos-go-sdk-v5 v0.7.70
)

require (
	github.com/clbanning/mxj v1.8.4 // indirect
	github.com/gabriel-vasile/mimetype v1.4.16 // indirect
	github.com/go-playground/locales v0.14.2 // indirect
	github.com/go-playground/universal-translator v0.18.2 // indirect
	github.com/google/go-querystring v1.0.0 // indirect
	github.com/leodido/go-urn v1.5.0 // indirect
	github.com/mitchellh/mapstructure v1.4.3 // indirect
	github.com/mozillazg/go-httpheader v0.2.1 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)
