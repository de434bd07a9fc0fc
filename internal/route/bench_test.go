package route

import (
	"strings"
	"testing"
)

// benchRoutes is a 50-route API shaped like real ones: shallow literals,
// nested ids, a literal beside a variable, greedy file paths and a catch-all.
// Resources are valid for both kinds (no variable beside a greedy sibling).
var benchRoutes = strings.Fields(`
GET:/ GET:/health GET:/pets POST:/pets GET:/pets/{petId} PUT:/pets/{petId} DELETE:/pets/{petId}
GET:/pets/{petId}/photos POST:/pets/{petId}/photos GET:/pets/{petId}/photos/{photoId}
DELETE:/pets/{petId}/photos/{photoId} GET:/users POST:/users GET:/users/me PATCH:/users/me
GET:/users/{userId} PUT:/users/{userId} DELETE:/users/{userId} GET:/users/{userId}/orders
GET:/users/{userId}/orders/{orderId} GET:/orders POST:/orders GET:/orders/{orderId}
PATCH:/orders/{orderId} DELETE:/orders/{orderId} GET:/orders/{orderId}/items
POST:/orders/{orderId}/items GET:/orders/{orderId}/items/{itemId} PUT:/orders/{orderId}/items/{itemId}
DELETE:/orders/{orderId}/items/{itemId} GET:/store/inventory POST:/store/order
GET:/store/order/{orderId} DELETE:/store/order/{orderId} GET:/v1/reports GET:/v1/reports/{reportId}
GET:/v1/reports/{reportId}/download GET:/admin/settings PUT:/admin/settings GET:/admin/users
DELETE:/admin/users/{userId} ANY:/files/{path+} GET:/static/{proxy+} GET:/search POST:/search
GET:/tags GET:/tags/{tag} OPTIONS:/tags/{tag} HEAD:/tags/{tag} ANY:/{proxy+}
`)

func benchTable(b *testing.B, kind Kind) *Table {
	bl := NewBuilder(kind)
	for i, r := range benchRoutes {
		m, p, _ := strings.Cut(r, ":")
		mustAdd(b, bl, m, p, i)
	}
	if kind == HTTP {
		mustAdd(b, bl, "", DefaultRoute, len(benchRoutes))
	}
	if n := bl.Build().Len(); n < 50 {
		b.Fatalf("%d routes, want at least 50", n)
	}
	return bl.Build()
}

func BenchmarkMatch(b *testing.B) {
	requests := []struct{ name, method, path string }{
		{"literal", "GET", "/health"},
		{"literal-deep", "GET", "/v1/reports"},
		{"param", "GET", "/pets/42"},
		{"params-deep", "PUT", "/orders/9001/items/17"},
		{"literal-beside-param", "PATCH", "/users/me"},
		{"greedy", "GET", "/files/2024/06/report.pdf"},
		{"backtrack-to-root-greedy", "POST", "/users/42/orders/7"},
		{"escaped", "GET", "/tags/caf%C3%A9"},
		{"miss", "PROPFIND", "/nowhere/at/all"},
	}
	for _, kind := range []Kind{REST, HTTP} {
		tbl := benchTable(b, kind)
		for _, r := range requests {
			if _, ok := tbl.Match(r.method, r.path, nil); !ok && r.name != "miss" {
				b.Fatalf("%v %s %s did not match", kind, r.method, r.path)
			}
			b.Run(kind.String()+"/"+r.name, func(b *testing.B) {
				ps := make(Params, 0, 8)
				b.ReportAllocs()
				for b.Loop() {
					ps = ps[:0]
					tbl.Match(r.method, r.path, &ps)
				}
			})
		}
	}
}

func BenchmarkSplitFirst(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		SplitFirst("/prod/orders/9001/items")
	}
}
