// Package auth issues and verifies the bearer tokens officials use. A token only names the
// official; what they may do is read from the database on every request.
package auth

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Keys holds what verifies tokens (and, where configured, what signs them). HS256 uses Secret;
// RS256 uses Public to verify and Private to sign.
type Keys struct {
	Secret  []byte
	Public  *rsa.PublicKey
	Private *rsa.PrivateKey
	Issuer  string
}

// LoadKeys builds Keys from configuration: an HS256 secret, or PEM files for RS256. With a
// public key configured, HS256 tokens are refused: one deployment uses one algorithm.
func LoadKeys(secret, publicKeyFile, privateKeyFile, issuer string) (Keys, error) {
	k := Keys{Issuer: issuer}
	if publicKeyFile != "" {
		pem, err := os.ReadFile(publicKeyFile)
		if err != nil {
			return Keys{}, fmt.Errorf("read JWT public key: %w", err)
		}
		if k.Public, err = jwt.ParseRSAPublicKeyFromPEM(pem); err != nil {
			return Keys{}, fmt.Errorf("parse JWT public key %s: %w", publicKeyFile, err)
		}
	} else {
		k.Secret = []byte(secret)
	}
	if privateKeyFile != "" {
		pem, err := os.ReadFile(privateKeyFile)
		if err != nil {
			return Keys{}, fmt.Errorf("read JWT private key: %w", err)
		}
		if k.Private, err = jwt.ParseRSAPrivateKeyFromPEM(pem); err != nil {
			return Keys{}, fmt.Errorf("parse JWT private key %s: %w", privateKeyFile, err)
		}
	}
	return k, nil
}

// Issue signs a token naming officialID, valid for ttl.
func (k Keys) Issue(officialID string, now time.Time, ttl time.Duration) (string, error) {
	claims := jwt.RegisteredClaims{
		Subject:   officialID,
		Issuer:    k.Issuer,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
	switch {
	case k.Public != nil && k.Private == nil:
		return "", errors.New("RS256 is configured: set JIANDU_JWT_PRIVATE_KEY to issue tokens")
	case k.Private != nil:
		return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(k.Private)
	case len(k.Secret) == 0:
		return "", errors.New("no signing key: set JIANDU_JWT_SECRET")
	default:
		return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(k.Secret)
	}
}

// Verify checks the token's signature, algorithm, issuer and expiry, and returns the official
// it names.
func (k Keys) Verify(token string) (string, error) {
	alg, key := "HS256", any(k.Secret)
	if k.Public != nil {
		alg, key = "RS256", k.Public
	} else if len(k.Secret) == 0 {
		return "", errors.New("no verification key configured")
	}
	claims := &jwt.RegisteredClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{alg}),
		jwt.WithIssuer(k.Issuer),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(30*time.Second),
	)
	if err != nil {
		return "", err
	}
	if claims.Subject == "" {
		return "", errors.New("token names no official")
	}
	return claims.Subject, nil
}
