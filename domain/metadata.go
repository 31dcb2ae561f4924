package domain

import (
	"encoding/json"
	"iter"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// StoredSize is the length of m as compact JSON with every number written out without an
// exponent (1e3 as 1000, 1e-3 as 0.001): how Postgres's jsonb keeps numbers and gives them
// back. MetadataMaxBytes bounds this length, so that a few bytes such as 1e9000 cannot become
// kilobytes once stored (nor 1e1000000, which Postgres refuses outright), and metadata that
// was accepted stays valid when read back.
func (m Metadata) StoredSize() (int, error) {
	n, err := m.Size()
	if err != nil {
		return 0, err
	}
	grow, ok := numberGrowth(map[string]any(m))
	if !ok {
		return 0, errNumberTooLarge
	}
	return n + grow, nil
}

var errNumberTooLarge = Errorf(CodeValidation, "a metadata number's exponent is too large")

// numberGrowth is how many bytes longer v's numbers are written out than in JSON; false
// when one of them is too large to write out within MetadataMaxBytes.
func numberGrowth(v any) (int, bool) {
	var text string
	switch x := v.(type) {
	case json.Number:
		text = string(x)
	case float64, float32: // a host's own values: encoding/json writes large and small ones with an exponent
		b, err := json.Marshal(x)
		if err != nil {
			return 0, false
		}
		text = string(b)
	case map[string]any:
		return sumGrowth(maps.Values(x))
	case []any:
		return sumGrowth(slices.Values(x))
	default:
		return 0, true
	}
	n, ok := plainNumberLen(text)
	return n - len(text), ok
}

func sumGrowth(values iter.Seq[any]) (int, bool) {
	total := 0
	for e := range values {
		n, ok := numberGrowth(e)
		if !ok {
			return 0, false
		}
		total += n
	}
	return total, true
}

// plainNumberLen is the length of the JSON number s written without an exponent, keeping
// its fraction digits (1.50e1 is 15.0); false when its exponent alone exceeds
// MetadataMaxBytes, so the number could never fit.
func plainNumberLen(s string) (int, bool) {
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > MetadataMaxBytes || e < -MetadataMaxBytes {
			return 0, false
		}
		mant, exp = s[:i], e
	}
	sign := 0
	if strings.HasPrefix(mant, "-") {
		sign, mant = 1, mant[1:]
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := len(intPart) + len(frac)
	point := len(intPart) + exp // where the decimal point falls among the digits
	switch {
	case point <= 0:
		return sign + len("0.") - point + digits, true
	case point >= digits:
		return sign + point, true
	default:
		return sign + digits + 1, true
	}
}
