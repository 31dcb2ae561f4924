package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

const (
	headerRequestID = "X-Request-Id" // canonical (textproto.CanonicalMIMEHeaderKey): indexed directly
	keyRequest      = "orgkit.request"
)

// requestState is what orgkit keeps of one request: one gin key rather than one per field,
// since every key costs the hot paths an insertion into the context's map.
type requestState struct {
	id      domain.RequestID // also in the request's context, for every layer's logs
	log     *slog.Logger
	prelude bool // the prelude ran (an engine-wide copy and a group's must not both)
}

func state(c *gin.Context) *requestState {
	if v, ok := c.Get(keyRequest); ok {
		return v.(*requestState)
	}
	return nil
}

// setRequestContext echoes a well-formed X-Request-ID or generates one and makes it and the
// logger available to later handlers, the id also through the request's context. The audit metadata (RequestMeta) is added by
// Authenticate, for the routes that can write audit records.
func setRequestContext(c *gin.Context, log *slog.Logger) *requestState {
	// The header maps are indexed directly: every request pays for this, and Get and Set
	// would canonicalize a key that already is.
	var id string
	if ids := c.Request.Header[headerRequestID]; len(ids) > 0 && validRequestID(ids[0]) {
		id = ids[0]
	} else {
		id = newRequestID()
	}
	st := &requestState{id: domain.RequestID{ID: id}, log: log}
	c.Set(keyRequest, st)
	// Handlers pass the request's context to the app, whose logs and the store's then carry
	// the id: one context value (st is allocated anyway) and the request's shallow copy.
	c.Request = c.Request.WithContext(domain.WithRequestID(c.Request.Context(), &st.id))
	c.Writer.Header()[headerRequestID] = []string{id}
	return st
}

// validRequestID accepts 1-128 of A-Z a-z 0-9 . _ : - (a loop: it runs on every request).
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// Request ids are this process's random prefix and a counter: unique without a crypto/rand
// read per request. They identify, they do not authorize, so they need not be unpredictable.
var (
	requestIDPrefix = func() string {
		b := make([]byte, 6)
		_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
		return hex.EncodeToString(b)
	}()
	requestCounter atomic.Uint64
)

// newRequestID is 24 hex digits: 48 random bits of the process, 48 of a counter.
func newRequestID() string {
	var b [24]byte
	copy(b[:12], requestIDPrefix)
	n := requestCounter.Add(1)
	for i := 23; i >= 12; i-- {
		b[i] = hexDigits[n&0xF]
		n >>= 4
	}
	return string(b[:])
}

// requestMeta is the request's metadata for audit records.
func requestMeta(c *gin.Context) domain.RequestMeta {
	return domain.RequestMeta{RequestID: requestID(c), IP: c.ClientIP(), UserAgent: truncate(c.Request.UserAgent(), 512)}
}

// truncate bounds a client-supplied header for storage; invalid UTF-8 would fail in Postgres.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

func requestID(c *gin.Context) string {
	if st := state(c); st != nil {
		return st.id.ID
	}
	return ""
}

func logger(c *gin.Context) *slog.Logger {
	if st := state(c); st != nil {
		return st.log
	}
	return slog.Default()
}

// prelude is what every orgkit route runs first, once even where an engine-wide copy and a
// group's both apply: the request id, one access-log line, panic recovery and the body limit.
func prelude(log *slog.Logger, bodyLimit func(*gin.Context) int64, m ports.Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		st := state(c)
		if st != nil && st.prelude {
			c.Next()
			return
		}
		if st == nil {
			st = setRequestContext(c, log)
		}
		st.prelude = true
		start := time.Now()
		defer observe(m, c, start) // deferred first: runs last, after recovery set a panic's 500
		defer accessLog(c, start)
		defer recovery(c)
		if c.Request.Body != http.NoBody { // most reads have none: no reader to allocate
			limit := bodyLimit(c)
			if c.Request.ContentLength > limit {
				writeError(c, tooLarge(limit))
				return
			}
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		}
		c.Next()
	}
}

// accessLog writes one structured line per request, building it only when info is enabled.
func accessLog(c *gin.Context, start time.Time) {
	log := logger(c)
	if !log.Enabled(c.Request.Context(), slog.LevelInfo) {
		return
	}
	log.LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("request_id", requestID(c)), slog.String("method", c.Request.Method),
		slog.String("route", c.FullPath()), slog.Int("status", c.Writer.Status()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000), slog.String("client_ip", c.ClientIP()))
}

// recovery, deferred, turns a panic into a logged 500 internal_error.
func recovery(c *gin.Context) {
	r := recover()
	if r == nil {
		return
	}
	if r == http.ErrAbortHandler {
		panic(r)
	}
	logger(c).ErrorContext(c.Request.Context(), "panic", slog.String("request_id", requestID(c)),
		slog.Any("panic", r), slog.String("stack", string(debug.Stack())))
	if !c.Writer.Written() {
		writeError(c, fmt.Errorf("panic: %v", r))
	}
	c.Abort()
}

var errTooLarge = tooLarge(MaxBodyBytes)

func tooLarge(limit int64) *domain.Error {
	return &domain.Error{Code: domain.CodePayloadTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", limit)}
}

func isTooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
