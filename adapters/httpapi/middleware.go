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
	headerRequestID = "X-Request-ID"
	keyRequestID    = "orgkit.request_id"
	keyLogger       = "orgkit.logger"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestContext echoes a well-formed X-Request-ID or generates one, and makes the logger
// available to later handlers.
func requestContext(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(headerRequestID)
		if !validRequestID.MatchString(id) {
			b := make([]byte, 12)
			_, _ = rand.Read(b)
			id = hex.EncodeToString(b)
		}
		c.Set(keyRequestID, id)
		c.Set(keyLogger, log)
		c.Header(headerRequestID, id)
		meta := domain.RequestMeta{RequestID: id, IP: c.ClientIP(), UserAgent: truncate(c.Request.UserAgent(), 512)}
		c.Request = c.Request.WithContext(domain.WithRequestMeta(c.Request.Context(), meta))
		c.Next()
	}
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

// accessLog writes one structured line per request.
func accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	logger(c).LogAttrs(c.Request.Context(), slog.LevelInfo, "request",
		slog.String("request_id", requestID(c)), slog.String("method", c.Request.Method),
		slog.String("route", c.FullPath()), slog.Int("status", c.Writer.Status()),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000), slog.String("client_ip", c.ClientIP()))
}

// recovery turns a panic into a logged 500 internal_error.
func recovery(c *gin.Context) {
	defer func() {
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
	}()
	c.Next()
}

// limitBody refuses bodies over MaxBodyBytes; decode reports the overflow of a body with no
// declared length.
func limitBody(c *gin.Context) {
	if c.Request.ContentLength > MaxBodyBytes {
		writeError(c, errTooLarge)
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
	c.Next()
}

var errTooLarge = &domain.Error{Code: domain.CodePayloadTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes)}

func isTooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
