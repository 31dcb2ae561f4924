package httpapi

import _ "embed"

// OpenAPI is the OpenAPI 3 document of every route, served at GET /openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte
