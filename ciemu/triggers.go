package ciemu

// triggerKey identifies what TriggerCount counts.
type triggerKey struct{ bucket, workflowID, object string }

// triggerCounter counts successful triggers per key, remembering at most
// max keys: the key first seen longest ago is forgotten first (FIFO), which
// keeps memory bounded under a soak of distinct objects.
type triggerCounter struct {
	max    int
	counts map[triggerKey]int
	fifo   []triggerKey // ring of keys in first-seen order
	head   int          // oldest key in fifo once it is full
	total  int
}

func newTriggerCounter(max int) triggerCounter {
	return triggerCounter{max: max, counts: make(map[triggerKey]int)}
}

func (c *triggerCounter) add(k triggerKey) {
	c.total++
	if _, ok := c.counts[k]; ok {
		c.counts[k]++
		return
	}
	if len(c.fifo) < c.max {
		c.fifo = append(c.fifo, k)
	} else {
		delete(c.counts, c.fifo[c.head])
		c.fifo[c.head] = k
		c.head = (c.head + 1) % c.max
	}
	c.counts[k] = 1
}

func (c *triggerCounter) count(k triggerKey) int { return c.counts[k] }

func (c *triggerCounter) reset() {
	clear(c.counts)
	c.fifo = c.fifo[:0]
	c.head = 0
	c.total = 0
}
