//go:build unix

package httpproxy

import (
	"crypto/tls"
	"net"
	"syscall"
)

// connAlive peeks at an idle connection without blocking: a server that closed it (idle
// timeout, restart) has left an EOF, and a plain-HTTP server that sent anything unsolicited
// (a 408) is out of step. Either way the connection must not carry a request.
func connAlive(c net.Conn) bool {
	isTLS := false
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
		isTLS = true
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	alive := true
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK:
		case rerr != nil, n == 0:
			alive = false
		case !isTLS:
			// TLS may legitimately have records pending (a session ticket); plain HTTP may not.
			alive = false
		}
		return true
	})
	return err == nil && alive
}
