package schemas

import "time"

// WebAccount is an official's local login for the web inbox: an argon2id password hash, whether
// the password must be changed at the next login (set by an administrator), and the count of
// failed attempts that locks the account for a while.
type WebAccount struct {
	OfficialID     string `gorm:"primaryKey"`
	PasswordHash   string
	MustChange     bool
	FailedAttempts int
	LockedUntil    *time.Time
	PasswordSetAt  time.Time
	UpdatedAt      time.Time
}

// WebSession is a server-side login session. The cookie holds a random token; only its SHA-256
// is stored. Grants is the official's roles and org unit when they logged in: when either
// changes, or the official is disabled, the session is revoked.
type WebSession struct {
	IDHash     string `gorm:"primaryKey"`
	OfficialID string
	CSRFToken  string
	Grants     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}
