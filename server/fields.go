package server

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/licentia/licentia/server/koogallery"
)

// paramError is a bad or missing marketplace parameter; it is answered with resultCode 000002.
type paramError struct{ msg string }

func (e *paramError) Error() string { return e.msg }

func badParam(format string, args ...any) error {
	return &paramError{msg: fmt.Sprintf(format, args...)}
}

// Field length limits from the marketplace's tables; free-text fields get a generous limit of their own.
const (
	maxID   = 64
	maxText = 256
)

// fields are the decoded parameters of one marketplace request (query string or flat JSON body), one
// value per name, sorted by name: the order a License 1.0 authToken signs them in. A request holds at most
// maxParams of them, so a lookup scans a few short strings and a request builds no hash table.
type fields []koogallery.Param

// lookup returns the value of name and whether the request holds it.
func (f fields) lookup(name string) (string, bool) {
	for _, p := range f {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

func (f fields) get(name string) string {
	v, _ := f.lookup(name)
	return v
}

// add adds name's value in name order, and reports false (changing nothing) when f holds name already.
func (f *fields) add(name, value string) bool {
	i, found := slices.BinarySearchFunc(*f, name, func(p koogallery.Param, name string) int {
		return strings.Compare(p.Name, name)
	})
	if found {
		return false
	}
	*f = slices.Insert(*f, i, koogallery.Param{Name: name, Value: value})
	return true
}

// required returns the field, or a paramError when it is missing, empty, too long or not UTF-8.
func (f fields) required(name string, max int) (string, error) {
	v, ok := f.lookup(name)
	if !ok || v == "" {
		return "", badParam("missing parameter %s", name)
	}
	return f.optional(name, max)
}

// optional returns the field ("" when absent), or a paramError when it is too long or not UTF-8.
func (f fields) optional(name string, max int) (string, error) {
	v := f.get(name)
	if !utf8.ValidString(v) {
		return "", badParam("parameter %s is not valid UTF-8", name)
	}
	if utf8.RuneCountInString(v) > max {
		return "", badParam("parameter %s is longer than %d characters", name, max)
	}
	return v, nil
}

// optTime parses a marketplace time in any form its pages print (koogallery.ParseAnyTime: yyyyMMddHHmmss,
// yyyyMMddHHmmssSSS, yyyy-MM-dd HH:mm:ss z, ISO 8601), UTC unless it names a zone; 0 when absent.
func (f fields) optTime(name string) (int64, error) {
	v := f.get(name)
	if v == "" {
		return 0, nil
	}
	t, err := koogallery.ParseAnyTime(v)
	if err != nil {
		return 0, badParam("parameter %s is not a time (yyyyMMddHHmmss, yyyy-MM-dd HH:mm:ss z or ISO 8601 with a zone)", name)
	}
	return t.Unix(), nil
}

// reqTime is optTime for a mandatory time.
func (f fields) reqTime(name string) (int64, error) {
	if f.get(name) == "" {
		return 0, badParam("missing parameter %s", name)
	}
	return f.optTime(name)
}

// optCount parses a non-negative integer; 0 when absent.
func (f fields) optCount(name string) (int64, error) {
	v := f.get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > 1_000_000_000 {
		return 0, badParam("parameter %s is not a non-negative integer", name)
	}
	return n, nil
}

// test reports whether the request is a marketplace probe (testFlag=1).
func (f fields) test() bool { return f.get("testFlag") == "1" }

// scalar is a JSON string, number or boolean read as its text (null and absent are "").
type scalar string

func (v *scalar) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = scalar(s)
	case string(b) == "null":
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("an object or array where a value belongs")
	default:
		*v = scalar(b)
	}
	return nil
}

// nestedOrder is the part of newInstance's nested form (buyerInfo{} and orderInfo[], as in the saascenter
// signing example, topic 0070649476) that a license needs. Other fields are ignored.
type nestedOrder struct {
	BuyerInfo *struct {
		CustomerID   scalar `json:"customerId"`
		CustomerName scalar `json:"customerName"`
	} `json:"buyerInfo"`
	OrderInfo []struct {
		OrderID      scalar `json:"orderId"`
		OrderLineID  scalar `json:"orderLineId"`
		BusinessID   scalar `json:"businessId"`
		ChargingMode scalar `json:"chargingMode"`
		PeriodType   scalar `json:"periodType"`
		PeriodNumber scalar `json:"periodNumber"`
		ExpireTime   scalar `json:"expireTime"`
		ProductInfo  []struct {
			ProductID   scalar `json:"productId"`
			SKUCode     scalar `json:"skuCode"`
			LinearValue scalar `json:"linearValue"`
		} `json:"productInfo"`
	} `json:"orderInfo"`
}

// flattenOrder copies the values of a nested buyerInfo{} and orderInfo[] into f under the flat names the other
// activities use (customerId, orderId, productId, amount from linearValue, …); a value given at the top level
// wins. orderInfo must hold at most one order, and its productInfo at most one product.
func flattenOrder(f *fields, raw map[string]json.RawMessage) error {
	var n nestedOrder
	for k, dst := range map[string]any{"buyerInfo": &n.BuyerInfo, "orderInfo": &n.OrderInfo} {
		if v, ok := raw[k]; ok && string(v) != "null" {
			if err := json.Unmarshal(v, dst); err != nil {
				return badParam("field %s is not in the documented form", k)
			}
		}
	}
	set := func(name string, v scalar) {
		if v != "" {
			f.add(name, string(v)) // a value given at the top level stays
		}
	}
	if b := n.BuyerInfo; b != nil {
		set("customerId", b.CustomerID)
		set("customerName", b.CustomerName)
	}
	switch len(n.OrderInfo) {
	case 0:
		return nil
	case 1:
	default:
		return badParam("orderInfo holds %d orders; a newInstance names one", len(n.OrderInfo))
	}
	o := n.OrderInfo[0]
	set("orderId", o.OrderID)
	set("orderLineId", o.OrderLineID)
	set("businessId", o.BusinessID)
	set("chargingMode", o.ChargingMode)
	set("periodType", o.PeriodType)
	set("periodNumber", o.PeriodNumber)
	set("expireTime", o.ExpireTime)
	switch len(o.ProductInfo) {
	case 0:
	case 1:
		set("productId", o.ProductInfo[0].ProductID)
		set("skuCode", o.ProductInfo[0].SKUCode)
		set("amount", o.ProductInfo[0].LinearValue)
	default:
		return badParam("orderInfo.productInfo holds %d products; a license is for one", len(o.ProductInfo))
	}
	return nil
}
