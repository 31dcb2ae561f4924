package webhook

import (
	"errors"
	"fmt"
	"strings"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/orgkit/orgkit/ports"
)

// The Standard Webhooks headers.
const (
	headerID        = standardwebhooks.HeaderWebhookID
	headerTimestamp = standardwebhooks.HeaderWebhookTimestamp
	headerSignature = standardwebhooks.HeaderWebhookSignature
)

// signatureHeader is the webhook-signature value: one "v1,<base64>" per secret, separated by
// spaces, so during a rotation a receiver holding either secret verifies the delivery.
func signatureHeader(req ports.WebhookRequest) (string, error) {
	if len(req.Secrets) == 0 {
		return "", errors.New("no signing secret: an unsigned delivery cannot be trusted")
	}
	sigs := make([]string, 0, len(req.Secrets))
	for i, secret := range req.Secrets {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			return "", fmt.Errorf("signing secret %d: %w", i+1, err)
		}
		sig, err := wh.Sign(req.MsgID, req.Timestamp, req.Body)
		if err != nil {
			return "", fmt.Errorf("signing secret %d: %w", i+1, err)
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}
