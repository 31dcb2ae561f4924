// Package sqlite links the embedded, pure-Go SQLite driver into gormstore.Open: import it
// for its side effect where sqlite: database URLs must work (the orgkit binary does).
package sqlite

import (
	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit/adapters/gormstore"
)

func init() {
	gormstore.RegisterDriver(gormstore.SQLite, func(dsn string) gorm.Dialector { return sqlite.Open(dsn) })
}
