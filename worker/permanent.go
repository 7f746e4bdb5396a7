package worker

import (
	"context"

	"go.temporal.io/sdk/interceptor"

	"github.com/jiandu/jiandu/activities"
)

// permanentErrors makes every activity fail at once, not retry forever, on a database error no
// retry can fix (activities.Permanent): the workflow then marks its case as needing attention.
type permanentErrors struct {
	interceptor.WorkerInterceptorBase
}

func (*permanentErrors) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	return &permanentActivity{interceptor.ActivityInboundInterceptorBase{Next: next}}
}

type permanentActivity struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *permanentActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	res, err := a.Next.ExecuteActivity(ctx, in)
	return res, activities.NonRetryable(err)
}

// Interceptors are the interceptors every Jiandu worker runs with.
func Interceptors() []interceptor.WorkerInterceptor {
	return []interceptor.WorkerInterceptor{&permanentErrors{}}
}
