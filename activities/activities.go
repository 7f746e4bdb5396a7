// Package activities holds the side effects that workflows ask for: task and case rows, audit
// events, notifications and deadlines, all against the database through gorm.
package activities

import (
	"log/slog"

	"gorm.io/gorm"
)

// Activities holds the dependencies of every activity. Workflows call its methods through a
// typed nil pointer (var a *Activities), which names the activity without running it.
type Activities struct {
	DB     *gorm.DB
	Logger *slog.Logger
}
