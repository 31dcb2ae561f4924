package app_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

var admin = domain.Principal{User: domain.User{ID: 2}}

// adminOf makes admin an admin of orgID, as checked inside the transaction.
func (d deps) adminOf(orgID int64) { d.tx.role(orgID, admin.User.ID, domain.RoleAdmin) }

// revealer makes admin pass the authorization checks of a reveal: before the limiter, and
// again inside the transaction.
func (d deps) revealer(orgID int64) {
	d.store.readRole(orgID, admin.User.ID, domain.RoleAdmin)
	d.adminOf(orgID)
}

func TestRevealAPIKeys_NoKeyWithoutAuditRecord(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.allowed()
	d.revealer(10)
	d.tx.keys.EXPECT().List(gomock.Any(), int64(10)).Return([]domain.APIKey{{ID: 1, OrganizationID: 10, Sealed: []byte{1}}}, nil)
	d.audited(domain.AuditAPIKeysRevealed, errors.New("disk full"))
	// No d.sealer.EXPECT().Open: decrypting anything here fails the test.
	keys, _, err := d.svc.RevealAPIKeys(context.Background(), admin, 10)
	if err == nil || keys != nil {
		t.Fatalf("keys %v, err %v", keys, err)
	}
}

func TestRevealAPIKeys_OpensAfterAudit(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.allowed()
	d.revealer(10)
	d.tx.keys.EXPECT().List(gomock.Any(), int64(10)).Return([]domain.APIKey{{ID: 1, OrganizationID: 10, Sealed: []byte{1}}}, nil)
	gomock.InOrder(
		d.tx.audit.EXPECT().Append(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, r domain.AuditRecord) (domain.AuditRecord, error) { return r, nil }),
		d.sealer.EXPECT().Open([]byte{1}, domain.APIKeyAAD(10, 1)).Return([]byte("sk_live"), nil),
	)
	keys, q, err := d.svc.RevealAPIKeys(context.Background(), admin, 10)
	if err != nil || len(keys) != 1 || keys[0].Plaintext != "sk_live" || !q.Allowed {
		t.Fatalf("%v %+v %v", keys, q, err)
	}
}

func TestRevealAPIKeys_RateLimitedBeforeTheTransaction(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.store.readRole(10, admin.User.ID, domain.RoleAdmin)
	d.limiter.EXPECT().Allow(gomock.Any(), "reveal-api-keys:10:2", domain.LimitRevealAPIKeys).
		Return(domain.Quota{Limit: 10, RetryAfter: 30e9}, nil)
	_, _, err := d.svc.RevealAPIKeys(context.Background(), admin, 10)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeRateLimited || de.Quota == nil || de.Quota.RetryAfter != 30e9 {
		t.Fatalf("got %v", err)
	}
}

func TestRevealAPIKeys_OutsiderSpendsNoQuota(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.store.readRole(10, admin.User.ID, domain.RoleMember) // the limiter is never asked
	if _, _, err := d.svc.RevealAPIKeys(context.Background(), admin, 10); !errors.Is(err, domain.ErrForbidden) {
		t.Fatalf("got %v", err)
	}
}

func TestRevealAPIKeys_LimiterDownFailsClosed(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.store.readRole(10, admin.User.ID, domain.RoleAdmin)
	d.limiter.EXPECT().Allow(gomock.Any(), gomock.Any(), gomock.Any()).Return(domain.Quota{}, errors.New("connection refused"))
	if _, _, err := d.svc.RevealAPIKeys(context.Background(), admin, 10); domain.CodeOf(err) != domain.CodeUnavailable {
		t.Fatalf("got %v", err)
	}
}

func TestVault_UnavailableWithoutKeys(t *testing.T) {
	d := newDeps(t, app.Config{})
	svc := app.New(app.Deps{Store: d.uow, Limiter: d.limiter, Clock: fixedClock{}}, app.Config{})
	d.store.readRole(10, admin.User.ID, domain.RoleAdmin)
	d.adminOf(10)
	if _, _, err := svc.RevealAPIKeys(context.Background(), admin, 10); !errors.Is(err, domain.ErrVaultUnavailable) {
		t.Fatalf("reveal: %v", err)
	}
	if _, err := svc.CreateAPIKey(context.Background(), admin, 10, app.NewAPIKey{Title: "t", Service: "s", Secret: "x"}); !errors.Is(err, domain.ErrVaultUnavailable) {
		t.Fatalf("create: %v", err)
	}
}

func TestCreateAPIKey_SealsToItsRecord(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.adminOf(10)
	d.sealer.EXPECT().ActiveKeyID().Return("k1").AnyTimes()
	d.tx.keys.EXPECT().Create(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, k domain.APIKey) (domain.APIKey, error) {
		if len(k.Sealed) != 0 {
			t.Errorf("sealed before the record had an id")
		}
		k.ID = 5
		return k, nil
	})
	d.sealer.EXPECT().Seal([]byte("sk_live_0123456789"), domain.APIKeyAAD(10, 5)).Return([]byte("sealed"), nil)
	d.tx.keys.EXPECT().Update(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, k domain.APIKey) (domain.APIKey, error) {
		if !bytes.Equal(k.Sealed, []byte("sealed")) || k.Last4 != "6789" || k.SealKeyID != "k1" {
			t.Errorf("stored %+v", k)
		}
		return k, nil
	})
	d.audited(domain.AuditAPIKeyCreated, nil)
	k, err := d.svc.CreateAPIKey(context.Background(), admin, 10, app.NewAPIKey{Title: "Prod", Service: "stripe", Secret: "sk_live_0123456789"})
	if err != nil || k.ID != 5 {
		t.Fatalf("%+v %v", k, err)
	}
}

func TestRotateVault(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.sealer.EXPECT().ActiveKeyID().Return("k2").AnyTimes()
	old := domain.APIKey{ID: 1, OrganizationID: 10, SealKeyID: "k1", Sealed: []byte("old")}
	gomock.InOrder(
		d.store.keys.EXPECT().NotSealedWith(gomock.Any(), "k2", 100).Return([]domain.APIKey{old}, nil),
		d.store.keys.EXPECT().NotSealedWith(gomock.Any(), "k2", 100).Return(nil, nil),
	)
	d.sealer.EXPECT().Open([]byte("old"), domain.APIKeyAAD(10, 1)).Return([]byte("plain"), nil)
	d.sealer.EXPECT().Seal([]byte("plain"), domain.APIKeyAAD(10, 1)).Return([]byte("new"), nil)
	d.store.keys.EXPECT().Reseal(gomock.Any(), gomock.Any(), []byte("old")).DoAndReturn(func(_ context.Context, k domain.APIKey, _ []byte) (bool, error) {
		if k.SealKeyID != "k2" || string(k.Sealed) != "new" {
			t.Errorf("resealed %+v", k)
		}
		return true, nil
	})
	d.store.hooks.EXPECT().EndpointsAfter(gomock.Any(), int64(0), 100).Return(nil, nil)
	if n, err := d.svc.RotateVault(context.Background(), 100); n != 1 || err != nil {
		t.Fatalf("%d %v", n, err)
	}
}

func TestUpdateAPIKey_EmptyPatchIsANoOp(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.adminOf(10)
	stored := domain.APIKey{ID: 5, OrganizationID: 10, Title: "Prod", UpdatedAt: now.Add(-time.Hour)}
	d.tx.keys.EXPECT().Get(gomock.Any(), int64(10), int64(5)).Return(stored, nil)
	// No Update and no audit record are expected.
	k, err := d.svc.UpdateAPIKey(context.Background(), admin, 10, 5, app.APIKeyPatch{})
	if err != nil || !k.UpdatedAt.Equal(stored.UpdatedAt) {
		t.Fatalf("%+v %v", k, err)
	}
}

func TestLast4_OnlyForLongKeys(t *testing.T) {
	for secret, want := range map[string]string{"sk_live_0123456": "", "sk_live_01234567": "4567", "": "", "ключ_секрет_12345": "2345"} {
		if got := domain.Last4Of(secret); got != want {
			t.Errorf("Last4Of(%q) = %q, want %q", secret, got, want)
		}
	}
}
