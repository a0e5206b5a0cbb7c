package extract

import "testing"

func TestBill(t *testing.T) {
	t.Parallel()
	completed := func(tier string, pages int) Job {
		return Job{Status: StatusCompleted, Configuration: Configuration{Tier: tier}, Usage: &Usage{NumPagesExtracted: pages}}
	}
	tests := []struct {
		name    string
		job     Job
		want    Billing
		settled bool
	}{
		{"CostEffective", completed(TierCostEffective, 3), Billing{PagesBilled: 3, ExtractCredits: 15}, true},
		{"Agentic", completed(TierAgentic, 2), Billing{PagesBilled: 2, ExtractCredits: 30}, true},
		{"AgenticPlus", completed(TierAgenticPlus, 1), Billing{PagesBilled: 1, ExtractCredits: 50}, true},
		{"Turbo", completed(TierTurbo, 4), Billing{PagesBilled: 4, ExtractCredits: 140}, true},
		{"DefaultTier", completed("", 2), Billing{PagesBilled: 2, ExtractCredits: 10}, true},
		{"CompletedWithoutUsage", Job{Status: StatusCompleted}, Billing{}, true},
		{"Failed", Job{Status: StatusFailed, Usage: &Usage{NumPagesExtracted: 9}}, Billing{}, true},
		{"Cancelled", Job{Status: StatusCancelled}, Billing{}, true},
		{"Pending", Job{Status: StatusPending}, Billing{}, false},
		{"Throttled", Job{Status: StatusThrottled}, Billing{}, false},
		{"Running", Job{Status: StatusRunning}, Billing{}, false},
	}
	for _, tt := range tests {
		got, settled := tt.job.Bill()
		if got != tt.want || settled != tt.settled {
			t.Errorf("%s: Bill() = %+v, %v; want %+v, %v", tt.name, got, settled, tt.want, tt.settled)
		}
	}
	if b := (Billing{ExtractCredits: 15, ParseCredits: 2}); b.Credits() != 17 {
		t.Errorf("Credits() = %d, want 17", b.Credits())
	}
}
