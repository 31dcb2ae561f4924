package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// tracerProvider is the OpenTelemetry SDK's provider exporting spans over OTLP/HTTP when
// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set; nil, nil when
// neither is. These and the other OTEL_* variables are the OpenTelemetry specification's, not
// orgkit's: the exporter and the SDK read them from the process environment themselves
// (headers, timeouts, TLS, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES, …). service.name is
// "orgkit" unless OTEL_SERVICE_NAME says otherwise. Only the http/protobuf protocol is built
// in, so the binary links no gRPC stack: another OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL is an
// error.
func tracerProvider(ctx context.Context, getenv func(string) string) (*sdktrace.TracerProvider, error) {
	if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
		return nil, nil
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := getenv(name); p != "" && p != "http/protobuf" {
			return nil, fmt.Errorf("%s %q: orgkit exports traces over http/protobuf only (the collector's port 4318)", name, p)
		}
	}
	exporter, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	// Later detectors win: the defaults first, then the environment's own.
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName("orgkit"), semconv.ServiceVersion(versionString())),
		resource.WithFromEnv())
	if err != nil {
		return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res)), nil
}

// tracerFlushTimeout bounds the export of the last spans at shutdown.
const tracerFlushTimeout = 5 * time.Second

// flushTraces exports what the provider still holds and stops it; failures go to the log,
// since the service has already stopped serving.
func flushTraces(tp *sdktrace.TracerProvider, warn func(msg string, args ...any)) {
	ctx, cancel := context.WithTimeout(context.Background(), tracerFlushTimeout)
	defer cancel()
	if err := tp.Shutdown(ctx); err != nil {
		warn("exporting the last spans failed", "error", strings.TrimSpace(err.Error()))
	}
}
