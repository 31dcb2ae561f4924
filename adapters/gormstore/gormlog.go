package gormstore

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gormLogger sends GORM's statements to slog at debug level. orgkit reports its own errors,
// so GORM's are debug lines too; nothing is formatted unless debug is enabled.
type gormLogger struct{ log *slog.Logger }

var _ logger.Interface = gormLogger{}

func (l gormLogger) LogMode(logger.LogLevel) logger.Interface { return l }

func (l gormLogger) Info(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm: "+msg, slog.Any("args", args))
}

func (l gormLogger) Warn(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm: "+msg, slog.Any("args", args))
}

func (l gormLogger) Error(ctx context.Context, msg string, args ...any) {
	l.log.DebugContext(ctx, "gorm: "+msg, slog.Any("args", args))
}

func (l gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	if !l.log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	sql, rows := fc()
	attrs := []slog.Attr{slog.String("sql", sql), slog.Int64("rows", rows), slog.Duration("elapsed", time.Since(begin))}
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		attrs = append(attrs, slog.Any("error", err))
	}
	l.log.LogAttrs(ctx, slog.LevelDebug, "sql", attrs...)
}
