package ginscs_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/gin-gonic/gin"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/ginscs"
)

func Example() {
	sessionManager := scs.New()

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(ginscs.LoadAndSave(sessionManager))
	r.POST("/login", func(c *gin.Context) {
		ctx := c.Request.Context()
		// A new token on every change of privilege prevents session fixation.
		if err := sessionManager.RenewToken(ctx); err != nil {
			c.AbortWithError(http.StatusInternalServerError, err)
			return
		}
		sessionManager.Put(ctx, "user", c.PostForm("user"))
		c.Status(http.StatusNoContent)
	})
	r.GET("/whoami", func(c *gin.Context) {
		c.String(http.StatusOK, sessionManager.GetString(c.Request.Context(), "user"))
	})

	srv := httptest.NewServer(r)
	defer srv.Close()

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, _ := client.PostForm(srv.URL+"/login", map[string][]string{"user": {"ada"}})
	resp.Body.Close()
	resp, _ = client.Get(srv.URL + "/whoami")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))
	// Output: ada
}
