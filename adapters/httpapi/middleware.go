package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

const (
	headerRequestID = "X-Request-Id" // canonical (textproto.CanonicalMIMEHeaderKey): indexed directly
	keyRequestID    = "orgkit.request_id"
	keyLogger       = "orgkit.logger"
	keyPrelude      = "orgkit.prelude"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// setRequestContext echoes a well-formed X-Request-ID or generates one, records the
// request's metadata for the audit log, and makes the logger available to later handlers.
func setRequestContext(c *gin.Context, log *slog.Logger) {
	// The header maps are indexed directly: every request pays for this, and Get and Set
	// would canonicalize a key that already is.
	var id string
	if ids := c.Request.Header[headerRequestID]; len(ids) > 0 {
		id = ids[0]
	}
	if !validRequestID.MatchString(id) {
		id = newRequestID()
	}
	c.Set(keyRequestID, id)
	c.Set(keyLogger, log)
	c.Writer.Header()[headerRequestID] = []string{id}
	meta := domain.RequestMeta{RequestID: id, IP: c.ClientIP(), UserAgent: truncate(c.Request.UserAgent(), 512)}
	c.Request = c.Request.WithContext(domain.WithRequestMeta(c.Request.Context(), meta))
}

// newRequestID is 96 random bits in hex.
func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// truncate bounds a client-supplied header for storage; invalid UTF-8 would fail in Postgres.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

func requestID(c *gin.Context) string { return c.GetString(keyRequestID) }

func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(keyLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

// prelude is what every orgkit route runs first, once even where an engine-wide copy and a
// group's both apply: the request id and metadata, one access-log line, panic recovery and
// the body limit.
func prelude(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetBool(keyPrelude) {
			c.Next()
			return
		}
		c.Set(keyPrelude, true)
		if requestID(c) == "" {
			setRequestContext(c, log)
		}
		start := time.Now()
		defer accessLog(c, start)
		defer recovery(c)
		if c.Request.ContentLength > MaxBodyBytes {
			writeError(c, errTooLarge)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
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

var errTooLarge = &domain.Error{Code: domain.CodePayloadTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes)}

func isTooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
