package gormstore

import (
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"gorm.io/gorm"
)

// NewIsolated is New on a *gorm.DB of the store's own over db's connection pool, with
// plugins (such as the OpenTelemetry one) registered on it alone. GORM keeps callbacks and
// plugins in a *gorm.DB's shared configuration, which every session of it shares, so a
// plugin registered on New's session would see, and change, the host's statements too; this
// one's callbacks are its own and the host's *gorm.DB stays as it was. It shares the pool
// and the dialector's settings; it does not own the pool (Close leaves it open). Errors: as
// New, a dialector with no Conn field to copy it over the same pool with (GORM's Postgres
// and SQLite drivers have one), or a plugin that fails to register.
func NewIsolated(db *gorm.DB, log *slog.Logger, plugins ...gorm.Plugin) (*Store, error) {
	if _, err := New(db, log); err != nil { // the same checks and defaults
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	dialector, err := overPool(db.Dialector, db.Statement.ConnPool)
	if err != nil {
		return nil, err
	}
	own := *db.Config // the host's naming and behaviour, without its callbacks and plugins
	own.Dialector, own.ConnPool, own.Plugins, own.ClauseBuilders = nil, nil, nil, nil
	own.PrepareStmt = false // the pool is the host's, prepared already if it prepares
	own.DisableAutomaticPing = true
	own.SkipDefaultTransaction = true
	own.Logger = gormLogger{log: log}
	own.NowFunc = func() time.Time { return time.Now().UTC() }
	isolated, err := gorm.Open(dialector, &own)
	if err != nil {
		return nil, fmt.Errorf("gormstore: a *gorm.DB over the host's pool: %w", err)
	}
	isolated.Dialector = db.Dialector // the host's (savepoints, error translation), now that the callbacks are registered
	for _, p := range plugins {
		if err := isolated.Use(p); err != nil {
			return nil, fmt.Errorf("gormstore: plugin %s: %w", p.Name(), err)
		}
	}
	return &Store{db: isolated.Session(&gorm.Session{NewDB: true}), dialect: Dialect(db.Dialector.Name())}, nil
}

// overPool is a copy of the host's dialector whose Initialize takes pool instead of opening
// one, so that it registers the same dialect's callbacks and clause builders on the store's
// own DB. GORM's drivers keep that pool in a Conn field, on the dialector itself (the SQLite
// drivers) or on the Config it points to (Postgres, MySQL): both are copied, never changed.
func overPool(d gorm.Dialector, pool gorm.ConnPool) (gorm.Dialector, error) {
	v := reflect.ValueOf(d)
	isPtr := v.Kind() == reflect.Pointer
	if isPtr {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		cp := reflect.New(v.Type()).Elem()
		cp.Set(v)
		if setConn(cp, pool) {
			if isPtr {
				cp = cp.Addr()
			}
			if over, ok := cp.Interface().(gorm.Dialector); ok {
				return over, nil
			}
		}
	}
	return nil, fmt.Errorf("gormstore: the %T dialector keeps its pool in no Conn field: orgkit cannot trace its SQL on a *gorm.DB of its own", d)
}

var connPoolType = reflect.TypeFor[gorm.ConnPool]()

// setConn sets s's own Conn field, or that of a copy of the struct its Config field points to.
func setConn(s reflect.Value, pool gorm.ConnPool) bool {
	if f, ok := s.Type().FieldByName("Conn"); ok && len(f.Index) == 1 && f.Type == connPoolType && s.Field(f.Index[0]).CanSet() {
		s.Field(f.Index[0]).Set(reflect.ValueOf(&pool).Elem())
		return true
	}
	c, ok := s.Type().FieldByName("Config")
	if !ok || len(c.Index) != 1 || c.Type.Kind() != reflect.Pointer || c.Type.Elem().Kind() != reflect.Struct {
		return false
	}
	f := s.Field(c.Index[0])
	if f.IsNil() || !f.CanSet() {
		return false
	}
	cfg := reflect.New(c.Type.Elem())
	cfg.Elem().Set(f.Elem())
	if !setConn(cfg.Elem(), pool) {
		return false
	}
	f.Set(cfg)
	return true
}
