package schemas

import (
	"reflect"
	"time"
)

// InAPIForm puts the value that ptr points to in the API's output form, in place and at any
// depth: every nil list becomes empty (JSON [], never null) and every time is made UTC (RFC 3339
// with Z). The API applies it where data from outside its own code enters a response: workflow
// state (queries and update results) and task rows. Maps are left as they are (an audit event's
// detail is shown as recorded).
func InAPIForm(ptr any) {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	inAPIForm(v.Elem())
}

var timeType = reflect.TypeFor[time.Time]()

func inAPIForm(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			inAPIForm(v.Elem())
		}
	case reflect.Struct:
		if v.Type() == timeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				inAPIForm(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			if v.CanSet() {
				v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			}
			return
		}
		for i := range v.Len() {
			inAPIForm(v.Index(i))
		}
	case reflect.Array:
		for i := range v.Len() {
			inAPIForm(v.Index(i))
		}
	}
}
