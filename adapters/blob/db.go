package blob

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// DB keeps blobs in orgkit's database (table orgkit_blobs, migration 00007), so replicas
// share them with no storage but the database. Each call is one statement on the pool it was
// given, outside any transaction: a blob is written before the row naming it commits.
type DB struct{ db *gorm.DB }

var _ ports.BlobStore = (*DB)(nil)

// blobRow is a row of orgkit_blobs.
type blobRow struct {
	Key         string    `gorm:"column:key;primaryKey"`
	ContentType string    `gorm:"column:content_type"`
	Data        []byte    `gorm:"column:data"`
	Size        int64     `gorm:"column:size"`
	UpdatedAt   time.Time `gorm:"column:updated_at;autoUpdateTime:false"`
}

func (blobRow) TableName() string { return "orgkit_blobs" }

// NewDB returns a store on db, a Postgres or SQLite pool migrated by orgkit (nil panics).
// It works on a session of its own and never reconfigures db; the SQL it logs through db's
// logger leaves out parameters, so a blob's bytes never reach the host's logs.
func NewDB(db *gorm.DB) *DB {
	log := db.Logger
	if log == nil {
		log = logger.Default
	}
	return &DB{db: db.Session(&gorm.Session{NewDB: true, SkipDefaultTransaction: true, Logger: withoutParams{log}})}
}

// withoutParams is a gorm logger that logs statements without their parameters.
type withoutParams struct{ logger.Interface }

func (l withoutParams) LogMode(level logger.LogLevel) logger.Interface {
	return withoutParams{l.Interface.LogMode(level)}
}

// ParamsFilter implements gorm.ParamsFilter: it drops every parameter.
func (withoutParams) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

// Put implements ports.BlobStore: one upsert, so racing Puts leave one whole row.
func (d *DB) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if data == nil {
		data = []byte{} // nil binds as NULL
	}
	row := blobRow{Key: key, ContentType: mediaType(contentType), Data: data, Size: int64(len(data)),
		UpdatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	err := d.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"content_type", "data", "size", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("blob: put %q: %w", key, err)
	}
	return nil
}

// Get implements ports.BlobStore.
func (d *DB) Get(ctx context.Context, key string) (ports.Blob, error) {
	if err := checkKey(key); err != nil {
		return ports.Blob{}, err
	}
	var rows []blobRow
	if err := d.db.WithContext(ctx).Where(`"key" = ?`, key).Limit(1).Find(&rows).Error; err != nil {
		return ports.Blob{}, fmt.Errorf("blob: get %q: %w", key, err)
	}
	if len(rows) == 0 {
		return ports.Blob{}, domain.ErrBlobNotFound
	}
	r := rows[0]
	if r.Data == nil {
		r.Data = []byte{}
	}
	return ports.Blob{Data: r.Data, ContentType: r.ContentType, ModTime: r.UpdatedAt.UTC()}, nil
}

// Delete implements ports.BlobStore.
func (d *DB) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := d.db.WithContext(ctx).Where(`"key" = ?`, key).Delete(&blobRow{}).Error; err != nil {
		return fmt.Errorf("blob: delete %q: %w", key, err)
	}
	return nil
}

// List implements ports.BlobStore: a range scan of the primary key, which compares bytewise
// on both databases (see the migration).
func (d *DB) List(ctx context.Context, prefix string) ([]ports.BlobInfo, error) {
	out := []ports.BlobInfo{}
	if !prefixCanMatch(prefix) {
		return out, nil
	}
	var rows []blobRow
	err := d.db.WithContext(ctx).Select("key", "size", "updated_at").
		Where(`"key" >= ? AND "key" < ?`, prefix, prefixEnd(prefix)).Order("key").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("blob: list %q: %w", prefix, err)
	}
	for _, r := range rows {
		out = append(out, ports.BlobInfo{Key: r.Key, Size: r.Size, ModTime: r.UpdatedAt.UTC()})
	}
	return out, nil
}
