package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/ports"
)

// RedisBus carries invalidations between replicas over Redis pub/sub on one channel. Pub/sub
// keeps nothing: a message sent while a replica is disconnected never reaches it, so
// Subscribe tells the caller to resync after every (re)connection.
type RedisBus struct {
	client  redis.UniversalClient
	channel string
}

var _ ports.InvalidationBus = (*RedisBus)(nil)

// NewRedisBus returns a bus on client's Redis channel (for example "orgkit:invalidate").
// The caller keeps ownership of client.
func NewRedisBus(client redis.UniversalClient, channel string) *RedisBus {
	return &RedisBus{client: client, channel: channel}
}

// Publish sends msg to every subscriber of the channel. It fails when Redis does not answer
// within the client's timeouts or ctx.
func (b *RedisBus) Publish(ctx context.Context, msg string) error {
	if err := b.client.Publish(ctx, b.channel, msg).Err(); err != nil {
		return fmt.Errorf("cache: publish on %q: %w", b.channel, err)
	}
	return nil
}

// busPingEvery is how long Subscribe waits for a message before it pings; a ping unanswered
// by the next wait means a connection that died without a word (a half-open TCP
// connection accepts the ping's write), which is then replaced.
var busPingEvery = 15 * time.Second

// Subscribe receives the channel's messages until ctx ends, subscribing again after failures
// and after a ping goes unanswered. resync runs after every subscription confirmation, the
// first one included.
func (b *RedisBus) Subscribe(ctx context.Context, receive func(string), resync func()) error {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		if b.follow(ctx, receive, resync) { // it received something: the next failure starts afresh
			backoff = 100 * time.Millisecond
		}
		select { // Redis is away, or the connection died: try again a little later
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	return nil
}

// follow runs one subscription until ctx ends, Redis fails or a ping goes unanswered, and
// reports whether anything arrived.
func (b *RedisBus) follow(ctx context.Context, receive func(string), resync func()) (received bool) {
	ps := b.client.Subscribe(ctx, b.channel)
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() }) // a blocked receive does not watch ctx
	defer func() {
		if stop() {
			_ = ps.Close()
		}
	}()
	pinged := false
	for {
		m, err := ps.ReceiveTimeout(ctx, busPingEvery)
		switch {
		case ctx.Err() != nil:
			return received
		case isTimeout(err) && !pinged:
			pinged = true
			if ps.Ping(ctx) != nil {
				return received
			}
			continue
		case err != nil: // a failure, or the ping unanswered
			return received
		}
		received, pinged = true, false
		switch m := m.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" {
				resync()
			}
		case *redis.Message:
			receive(m.Payload)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
