package orgkit

import (
	"testing"
	"time"
)

// TestRedisClient_ShortTimeouts: the binary's client gives up on a slow Redis in about a
// second, unless the URL sets its own timeouts.
func TestRedisClient_ShortTimeouts(t *testing.T) {
	c, err := redisClient("redis://127.0.0.1:6379/0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o := c.Options()
	if o.DialTimeout != time.Second || o.ReadTimeout != 500*time.Millisecond || o.WriteTimeout != 500*time.Millisecond || o.PoolTimeout != time.Second {
		t.Fatalf("dial %v read %v write %v pool %v", o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout)
	}
	c2, err := redisClient("redis://127.0.0.1:6379/0?read_timeout=2s&dial_timeout=3s")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if o := c2.Options(); o.ReadTimeout != 2*time.Second || o.DialTimeout != 3*time.Second || o.WriteTimeout != 500*time.Millisecond {
		t.Fatalf("the URL's own timeouts: dial %v read %v write %v", o.DialTimeout, o.ReadTimeout, o.WriteTimeout)
	}
}
