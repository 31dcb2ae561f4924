package domain

import "context"

// RequestID names the request being served (its X-Request-ID). The HTTP adapter puts one in
// the request's context before anything else runs, so that every layer's log lines of that
// request can carry it.
type RequestID struct{ ID string }

type requestIDKey struct{}

// WithRequestID returns ctx carrying r. r is a pointer so that a caller holding it in a
// struct it allocated anyway adds no allocation but the context's own.
func WithRequestID(ctx context.Context, r *RequestID) context.Context {
	return context.WithValue(ctx, requestIDKey{}, r)
}

// RequestIDFrom returns the id of the request ctx serves, "" outside a request.
func RequestIDFrom(ctx context.Context) string {
	if r, ok := ctx.Value(requestIDKey{}).(*RequestID); ok && r != nil {
		return r.ID
	}
	return ""
}
