package mse

import (
	"context"
	"net"
	"testing"
)

// BenchmarkRC4ConnWrite measures the cost of encrypting the payload stream.
func BenchmarkRC4ConnWrite(b *testing.B) {
	enc, _ := rc4Pair()
	c := &Conn{Conn: &nullConn{}, method: RC4, enc: enc}
	msg := make([]byte, 256<<10)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		c.Write(msg)
	}
}

// BenchmarkHandshake measures one complete handshake (two DH key pairs and secrets).
func BenchmarkHandshake(b *testing.B) {
	for b.Loop() {
		x, y := net.Pipe()
		done := make(chan error, 1)
		go func() {
			_, _, _, _, err := Accept(context.Background(), y, LookupList(testInfoHash), AllMethods, true)
			done <- err
		}()
		if _, _, err := Initiate(context.Background(), x, testInfoHash, AllMethods, btHandshake()); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		x.Close()
		y.Close()
	}
}
