// Command moov-peer times github.com/moov-io/iso8583 encoding and decoding the body (MTI
// onwards) of the UnionPay sale request that core/benches/codec.rs times for our codec, and
// checks that moov-io's bytes are ours (bench/peers/sale_request.hex, printed by that bench).
// It prints one JSON line: {"encode_us", "decode_us", "bytes", "matches", "mismatch", "version"}.
//
//	moov-peer [HEX_FILE]   (default ../sale_request.hex); POS_BENCH_QUICK=1 times 200 ms a case
//
// The spec follows core/profiles/unionpay.json: BCD numerics (left-aligned, an odd count of
// digits padded with a 0 nibble at the end, except 23: right-aligned) with BCD LL/LLL length
// prefixes counting digits, binary fields with BCD lengths counting bytes, ASCII fields as
// bytes. Every field matches byte for byte with moov-io's own encoders except field 35 (track 2,
// `z`): its "D" separator is a nibble (0xD) that moov-io's BCD and LBCD encoders refuse (they
// take digits only), and its Track2 field packs "=" or "D" as text. Field 35 uses `nibbles`
// below, a five-line encoder plugged into moov-io's Spec.Enc, as any moov-io user would write.
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
)

// nibbles packs hex digits (0-9, A-F: the track separator D, encrypted track nibbles) two to a
// byte, left-aligned, an odd count padded with a 0 nibble; its length counts nibbles.
type nibbles struct{}

func (nibbles) Encode(src []byte) ([]byte, error) {
	padded := src
	if len(src)%2 != 0 {
		padded = append(append([]byte{}, src...), '0')
	}
	out := make([]byte, len(padded)/2)
	if _, err := hex.Decode(out, padded); err != nil {
		return nil, fmt.Errorf("nibbles: %w", err)
	}
	return out, nil
}

func (nibbles) Decode(src []byte, length int) ([]byte, int, error) {
	read := (length + 1) / 2
	if length < 0 || len(src) < read {
		return nil, 0, fmt.Errorf("nibbles: need %d bytes, have %d", read, len(src))
	}
	return []byte(strings.ToUpper(hex.EncodeToString(src[:read]))[:length]), read, nil
}

var _ encoding.Encoder = nibbles{}

func numeric(length int, pref prefix.Prefixer, desc string) field.Field {
	return field.NewString(&field.Spec{Length: length, Description: desc, Enc: encoding.LBCD, Pref: pref})
}

func ascii(length int, desc string) field.Field {
	return field.NewString(&field.Spec{Length: length, Description: desc, Enc: encoding.ASCII, Pref: prefix.ASCII.Fixed})
}

func binary(length int, pref prefix.Prefixer, desc string) field.Field {
	return field.NewBinary(&field.Spec{Length: length, Description: desc, Enc: encoding.Binary, Pref: pref})
}

// spec: the fields of a UnionPay sale request (core/profiles/unionpay.json).
var spec = &iso8583.MessageSpec{
	Name: "UnionPay POS (sale request fields)",
	Fields: map[int]field.Field{
		0:  field.NewString(&field.Spec{Length: 4, Description: "Message Type Indicator", Enc: encoding.BCD, Pref: prefix.BCD.Fixed}),
		1:  field.NewBitmap(&field.Spec{Length: 8, Description: "Bitmap", Enc: encoding.Binary, Pref: prefix.Binary.Fixed}),
		2:  numeric(19, prefix.BCD.LL, "Primary account number"),
		3:  numeric(6, prefix.BCD.Fixed, "Processing code"),
		4:  numeric(12, prefix.BCD.Fixed, "Amount, transaction"),
		11: numeric(6, prefix.BCD.Fixed, "System trace audit number"),
		14: numeric(4, prefix.BCD.Fixed, "Date, expiration"),
		22: numeric(3, prefix.BCD.Fixed, "Point of service entry mode"),
		// Right-aligned: a 0 nibble in front (moov-io's BCD).
		23: field.NewString(&field.Spec{Length: 3, Description: "Card sequence number", Enc: encoding.BCD, Pref: prefix.BCD.Fixed}),
		25: numeric(2, prefix.BCD.Fixed, "Point of service condition code"),
		26: numeric(2, prefix.BCD.Fixed, "Point of service PIN capture code"),
		35: field.NewString(&field.Spec{Length: 48, Description: "Track 2 data", Enc: nibbles{}, Pref: prefix.BCD.LL}),
		41: ascii(8, "Terminal ID"),
		42: ascii(15, "Merchant ID"),
		49: ascii(3, "Currency code"),
		52: binary(8, prefix.Binary.Fixed, "PIN data"),
		53: numeric(16, prefix.BCD.Fixed, "Security related control information"),
		55: binary(999, prefix.BCD.LLL, "IC card data"),
		60: numeric(999, prefix.BCD.LLL, "Reserved private"),
		64: binary(8, prefix.Binary.Fixed, "Message authentication code"),
	},
}

// The field values of core/benches/codec.rs sale_request(), as its to_message(true) sets them.
func icc() []byte {
	b := []byte{0x9F, 0x26, 0x08, 1, 2, 3, 4, 5, 6, 7, 8}
	for len(b) < 100 {
		b = append(b, 0x9F, 0x10, 0x05, 1, 2, 3, 4, 5)
	}
	return b[:100]
}

var (
	texts = map[int]string{
		2:  "6228480402564890018",
		3:  "000000",
		4:  "000000012345",
		11: "001834",
		14: "4912",
		22: "051",
		23: "001",
		25: "00",
		26: "12",
		35: "6228480402564890018D49121200000000",
		41: "16688014",
		42: "898310048990001",
		49: "156",
		53: "2620000000000000",
		60: "22000001000" + "50",
	}
	binaries = map[int][]byte{52: bytes.Repeat([]byte{0x11}, 8), 55: icc(), 64: make([]byte, 8)}
)

func encode() ([]byte, error) {
	m := iso8583.NewMessage(spec)
	m.MTI("0200")
	for id, v := range texts {
		if err := m.Field(id, v); err != nil {
			return nil, fmt.Errorf("field %d: %w", id, err)
		}
	}
	for id, v := range binaries {
		if err := m.BinaryField(id, v); err != nil {
			return nil, fmt.Errorf("field %d: %w", id, err)
		}
	}
	return m.Pack()
}

func decode(body []byte) (*iso8583.Message, error) {
	m := iso8583.NewMessage(spec)
	return m, m.Unpack(body)
}

// firstDifference names the first field whose bytes differ, by decoding ours with the spec.
func firstDifference(ours, theirs []byte) string {
	for i := 0; i < len(ours) && i < len(theirs); i++ {
		if ours[i] != theirs[i] {
			return fmt.Sprintf("first difference at body byte %d: ours %X, moov-io %X", i, ours[i:min(i+8, len(ours))],
				theirs[i:min(i+8, len(theirs))])
		}
	}
	return fmt.Sprintf("lengths differ: ours %d bytes, moov-io %d", len(ours), len(theirs))
}

func main() {
	testing.Init()
	flag.Parse()
	if os.Getenv("POS_BENCH_QUICK") == "1" {
		_ = flag.Set("test.benchtime", "200ms")
	}
	path := "../sale_request.hex"
	if flag.NArg() > 0 {
		path = flag.Arg(0)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		fail(err)
	}
	ours, err := hex.DecodeString(strings.TrimSpace(string(text)))
	if err != nil {
		fail(err)
	}
	theirs, err := encode()
	if err != nil {
		fail(fmt.Errorf("moov-io encode: %w", err))
	}
	matches := bytes.Equal(ours, theirs)
	mismatch := ""
	if !matches {
		mismatch = firstDifference(ours, theirs)
	}
	// Decoding our bytes must give back every value.
	m, err := decode(ours)
	if err != nil {
		fail(fmt.Errorf("moov-io decode of our bytes: %w", err))
	}
	for id, want := range texts {
		if got, _ := m.GetString(id); got != want {
			fail(fmt.Errorf("moov-io decoded field %d as %q, want %q", id, got, want))
		}
	}
	for id, want := range binaries {
		if got, _ := m.GetBytes(id); !bytes.Equal(got, want) {
			fail(fmt.Errorf("moov-io decoded field %d as %X, want %X", id, got, want))
		}
	}

	enc := testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := encode(); err != nil {
				b.Fatal(err)
			}
		}
	})
	dec := testing.Benchmark(func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := decode(ours); err != nil {
				b.Fatal(err)
			}
		}
	})
	version := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/moov-io/iso8583" {
				version = d.Version
			}
		}
	}
	out, _ := json.Marshal(map[string]any{
		"encode_us": float64(enc.NsPerOp()) / 1e3,
		"decode_us": float64(dec.NsPerOp()) / 1e3,
		"bytes":     len(theirs),
		"matches":   matches,
		"mismatch":  mismatch,
		"version":   "moov-io/iso8583 " + version,
		"loops":     map[string]int{"encode": enc.N, "decode": dec.N},
	})
	fmt.Println(string(out))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "moov-peer:", err)
	os.Exit(1)
}
