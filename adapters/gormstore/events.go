package gormstore

import (
	"context"
	"errors"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// TODO(webhooks): the store helper replaces this stub.
var errTODO = errors.New("not implemented yet")

type eventRepo repos

var _ ports.EventRepo = eventRepo{}

func (r eventRepo) Add(ctx context.Context, e domain.Event) (domain.Event, error) { return e, errTODO }
func (r eventRepo) List(ctx context.Context, q domain.EventQuery) (domain.Page[domain.Event], error) {
	return domain.Page[domain.Event]{}, errTODO
}
