// Command embed is a host service built on orgkit: its own Gin engine, its own *gorm.DB and
// its own appointments table, with orgkit's organizations, members, vault and audit log
// mounted beside its routes.
//
//	DATABASE_URL=postgres://… AUTH_HS256_SECRET=… go run ./examples/embed
package main

import (
	"context"
	"log"
	"os"

	"github.com/gin-gonic/gin"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
)

func main() {
	ctx := context.Background()
	db, err := gorm.Open(postgres.Open(os.Getenv("DATABASE_URL")), &gorm.Config{})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.Default()
	if _, err := wire(ctx, db, r, orgkit.AuthConfig{HS256Secret: []byte(os.Getenv("AUTH_HS256_SECRET"))}); err != nil {
		log.Fatal(err)
	}
	log.Fatal(r.Run("127.0.0.1:8081"))
}
