package ciemu

// triggerKey identifies what TriggerCount counts.
type triggerKey struct{ bucket, workflowID, object string }

// triggerCounter counts started executions per key, remembering at most
// max keys: the key first seen longest ago is forgotten first (FIFO),
// which keeps memory bounded under a soak of distinct objects.
type triggerCounter struct {
	counts map[triggerKey]int
	keys   ring[triggerKey] // in first-seen order
	total  int
}

func newTriggerCounter(max int) triggerCounter {
	return triggerCounter{counts: make(map[triggerKey]int), keys: newRing[triggerKey](max)}
}

func (c *triggerCounter) add(k triggerKey) {
	c.total++
	if _, ok := c.counts[k]; ok {
		c.counts[k]++
		return
	}
	if old, full := c.keys.push(k); full {
		delete(c.counts, old)
	}
	c.counts[k] = 1
}

func (c *triggerCounter) count(k triggerKey) int { return c.counts[k] }

func (c *triggerCounter) reset() {
	clear(c.counts)
	c.keys.reset()
	c.total = 0
}
