module github.com/cosflow/cosflow

go 1.26.8
