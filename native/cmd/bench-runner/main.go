// bench-runner: the process starter of `npm run bench`'s native-client figures
// (scripts/bench/native.ts). Not shipped. Node's spawnSync costs a millisecond or more of
// its own per child, as much as a whole native helper call, so the bench starts its
// subjects from here: fork/exec straight from Go, the wall time around each child, and
// its CPU time and peak RSS from wait4's rusage.
//
// Reads one JSON job on stdin and writes one JSON result on stdout:
//
//	{"mode":"alternate","rounds":30,"subjects":[{"name":..,"argv":[..],"env":[..],"input":".."}]}
//	  every round runs every subject once, one at a time, in an order rotated each round;
//	{"mode":"storm","subjects":[one subject],"count":N}
//	  N copies started at once; wall time from the first start to the last exit.
package main

import (
	"encoding/json"
	"os"
	"syscall"
	"time"
)

type subject struct {
	Name  string   `json:"name"`
	Argv  []string `json:"argv"`
	Env   []string `json:"env"`
	Input string   `json:"input"`
	Dir   string   `json:"dir"`
}

type job struct {
	Mode     string    `json:"mode"`
	Rounds   int       `json:"rounds"`
	Count    int       `json:"count"`
	Subjects []subject `json:"subjects"`
}

// run is one finished child.
type run struct {
	WallUs   int64  `json:"wallUs"`
	CPUUs    int64  `json:"cpuUs"`
	MaxRSSKb int64  `json:"maxRssKb"`
	Code     int    `json:"code"`
	Stdout   string `json:"stdout,omitempty"`
	Stderr   string `json:"stderr,omitempty"`
}

// started is a running child; its output goes to two files this process reopens once
// it has ended (a thousand children at once must not hold three thousand descriptors here).
type started struct {
	pid    int
	at     time.Time
	stdout string
	stderr string
}

func tempFile(prefix string) (*os.File, error) {
	return os.CreateTemp("", "credshare-bench-"+prefix+"-")
}

func start(s subject) (started, error) {
	in, err := tempFile("in")
	if err != nil {
		return started{}, err
	}
	in.WriteString(s.Input)
	in.Seek(0, 0)
	os.Remove(in.Name())
	defer in.Close()
	out, err := tempFile("out")
	if err != nil {
		return started{}, err
	}
	defer out.Close()
	errf, err := tempFile("err")
	if err != nil {
		return started{}, err
	}
	defer errf.Close()
	at := time.Now()
	p, err := os.StartProcess(s.Argv[0], s.Argv, &os.ProcAttr{Dir: s.Dir, Env: s.Env, Files: []*os.File{in, out, errf}})
	if err != nil {
		return started{}, err
	}
	pid := p.Pid
	p.Release()
	return started{pid: pid, at: at, stdout: out.Name(), stderr: errf.Name()}, nil
}

func wait(st started) run {
	var status syscall.WaitStatus
	var usage syscall.Rusage
	for {
		_, err := syscall.Wait4(st.pid, &status, 0, &usage)
		if err != syscall.EINTR {
			break
		}
	}
	wall := time.Since(st.at)
	r := run{
		WallUs:   wall.Microseconds(),
		CPUUs:    usage.Utime.Nano()/1000 + usage.Stime.Nano()/1000,
		MaxRSSKb: usage.Maxrss,
		Code:     status.ExitStatus(),
	}
	if status.Signaled() {
		r.Code = 128 + int(status.Signal())
	}
	r.Stdout = read(st.stdout)
	r.Stderr = read(st.stderr)
	return r
}

func read(file string) string {
	data, _ := os.ReadFile(file)
	os.Remove(file)
	return string(data)
}

func main() {
	var j job
	if err := json.NewDecoder(os.Stdin).Decode(&j); err != nil {
		os.Stderr.WriteString("bench-runner: " + err.Error() + "\n")
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	switch j.Mode {
	case "alternate":
		runs := make([][]run, len(j.Subjects))
		for round := 0; round < j.Rounds; round++ {
			for k := range j.Subjects {
				i := (round + k) % len(j.Subjects)
				st, err := start(j.Subjects[i])
				if err != nil {
					fail(err)
				}
				runs[i] = append(runs[i], wait(st))
			}
		}
		enc.Encode(map[string]interface{}{"runs": runs})
	case "storm":
		s := j.Subjects[0]
		first := time.Now()
		all := make([]started, 0, j.Count)
		for i := 0; i < j.Count; i++ {
			st, err := start(s)
			if err != nil {
				fail(err)
			}
			all = append(all, st)
		}
		// Reap in any order: wait4(-1) gives each child's own rusage as it ends.
		byPid := map[int]started{}
		for _, st := range all {
			byPid[st.pid] = st
		}
		runs := make([]run, 0, j.Count)
		last := first
		for len(byPid) > 0 {
			var status syscall.WaitStatus
			var usage syscall.Rusage
			pid, err := syscall.Wait4(-1, &status, 0, &usage)
			if err == syscall.EINTR {
				continue
			}
			if err != nil {
				fail(err)
			}
			st, ok := byPid[pid]
			if !ok {
				continue
			}
			delete(byPid, pid)
			last = time.Now()
			r := run{WallUs: last.Sub(st.at).Microseconds(), CPUUs: usage.Utime.Nano()/1000 + usage.Stime.Nano()/1000, MaxRSSKb: usage.Maxrss, Code: status.ExitStatus()}
			if status.Signaled() {
				r.Code = 128 + int(status.Signal())
			}
			r.Stdout = read(st.stdout)
			r.Stderr = read(st.stderr)
			runs = append(runs, r)
		}
		enc.Encode(map[string]interface{}{"wallUs": last.Sub(first).Microseconds(), "runs": runs})
	default:
		fail(os.ErrInvalid)
	}
}

func fail(err error) {
	os.Stderr.WriteString("bench-runner: " + err.Error() + "\n")
	os.Exit(1)
}
