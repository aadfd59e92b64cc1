package simulator

import (
	"errors"
	"fmt"
	"strings"

	"github.com/licentia/licentia/server/koogallery"
)

// Text is a sentence the simulator writes itself — a step's description or its own explanation of a failure or a
// skip — kept as an English format and its arguments, so that a report can be shown in another language by
// translating the format (a constant) and formatting the same arguments. Arguments that are themselves Text,
// *Error or Joined are sentences of the simulator too; any other argument (an id, a result code, the seller's
// resultMsg, a number) is a value, the same in every language.
type Text struct {
	// Format is the English format, a constant of the simulator's source (a %w stands for an error argument).
	Format string
	// Args are the format's arguments.
	Args []any
}

// text returns the Text of format and args.
func text(format string, args ...any) Text { return Text{Format: format, Args: args} }

// String is the text in English.
func (t Text) String() string {
	if len(t.Args) == 0 {
		return t.Format
	}
	return fmt.Sprintf(strings.ReplaceAll(t.Format, "%w", "%v"), t.Args...)
}

// Error is a failure explained by the simulator: its Text, and the errors it wraps (%w).
type Error struct {
	Text Text
	err  error
}

// errorf is fmt.Errorf kept as a Text: the same message and wrapping.
func errorf(format string, args ...any) error {
	return &Error{Text: text(format, args...), err: fmt.Errorf(format, args...)}
}

// failure is errors.New kept as a Text.
func failure(msg string) error { return &Error{Text: text(msg), err: errors.New(msg)} }

func (e *Error) Error() string { return e.err.Error() }

// Unwrap returns the errors e wraps.
func (e *Error) Unwrap() []error {
	switch u := e.err.(type) {
	case interface{ Unwrap() []error }:
		return u.Unwrap()
	case interface{ Unwrap() error }:
		return []error{u.Unwrap()}
	}
	return nil
}

// Joined is a list of the simulator's sentences or errors shown one after the other, separated by Sep.
type Joined struct {
	Items []any
	Sep   string
}

func (j Joined) String() string {
	parts := make([]string, len(j.Items))
	for i, it := range j.Items {
		parts[i] = fmt.Sprint(it)
	}
	return strings.Join(parts, j.Sep)
}

// join is errors.Join kept as a Text: nil when every err is nil, the one error when only one is not, else the
// errors one a line.
func join(errs ...error) error {
	var items []any
	var nonNil []error
	for _, err := range errs {
		if err != nil {
			items, nonNil = append(items, err), append(nonNil, err)
		}
	}
	switch len(nonNil) {
	case 0:
		return nil
	case 1:
		return nonNil[0]
	}
	return &Error{Text: text("%v", Joined{Items: items, Sep: "\n"}), err: errors.Join(nonNil...)}
}

// reasonOf is the Text of a failure's reason when the simulator wrote it; the zero Text for any other error (the
// seller's answer, a transport error), whose message is shown as it is.
func reasonOf(err error) Text {
	t, _ := TextOf(err)
	return t
}

// TextOf returns err as a Text when the simulator wrote it: an *Error, or the *koogallery.ReplyError of a
// seller's answer judged (its Sentences, whose formats are koogallery.ReplyFormats, with the seller's values as
// arguments). ok is false for any other error.
func TextOf(err error) (t Text, ok bool) {
	switch e := err.(type) {
	case *Error:
		return e.Text, true
	case *koogallery.ReplyError:
		items := make([]any, len(e.Sentences))
		for i, s := range e.Sentences {
			items[i] = Text{Format: s.Format, Args: s.Args}
		}
		switch {
		case e.Malformed:
			return text(koogallery.FormatMalformed, Joined{Items: items, Sep: "; "}), true
		case len(items) == 1:
			return items[0].(Text), true
		}
		return text("%v", Joined{Items: items, Sep: "; "}), true
	}
	return Text{}, false
}
