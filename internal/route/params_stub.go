package route

// Temporary until the route package lands; the route engineer replaces this file.

type Param struct{ Name, Value string }
type Params []Param

func (p Params) Get(name string) (string, bool) {
	for _, x := range p {
		if x.Name == name {
			return x.Value, true
		}
	}
	return "", false
}
