// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parser for the simulated guest's programs: one instruction per line,
 * arguments separated by blanks, numbers in C notation (0x.. hex, 0..
 * octal, else decimal); empty lines and lines starting with '#' are
 * ignored.
 *
 *   mmio_read ADDR LEN            LEN 1..255
 *   mmio_write ADDR LEN VALUE|last
 *   page_fault ADDR r|w
 *   wfi | cpu_off | block | yield | crash | loop
 *   cpu_on N                      N < 64
 *   state RAW [DATA0 [DATA1]]     any u64 vcpu_run state and state data
 *   hyp_error ERR                 a gunyah_error, e.g. -2 (RETRY)
 *   system_off TYPE [WORD...]     TYPE u16, up to 64 u32 reason words
 *   delay MS                      MS <= 1000: stay inside vcpu_run
 *   fault                         unrecoverable fault (vcpu_run state 6)
 *   psci_reset [TYPE COOKIE [64]] PSCI SYSTEM_RESET, or SYSTEM_RESET2
 *                                 with a u32 TYPE and COOKIE (state 0x100)
 *   load ADDR LEN                 LEN 1, 2, 4 or 8, ADDR aligned to it: read
 *                                 guest memory (an MMIO read where the VM
 *                                 has no readable memory); the value is
 *                                 what "last" means from then on
 *   store ADDR LEN VALUE|last     write guest memory (else an MMIO write)
 *
 * Any error refuses the whole program.
 */

#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

#define SIM_MAX_ARGS	(1 + SIM_MAX_REASON_WORDS)

struct sim_op_desc {
	const char *name;
	enum sim_op op;
	unsigned int min_args;
	unsigned int max_args;
};

static const struct sim_op_desc sim_op_descs[] = {
	{ "mmio_read",	SIM_OP_MMIO_READ,	2, 2 },
	{ "mmio_write",	SIM_OP_MMIO_WRITE,	3, 3 },
	{ "page_fault",	SIM_OP_PAGE_FAULT,	2, 2 },
	{ "wfi",	SIM_OP_WFI,		0, 0 },
	{ "cpu_off",	SIM_OP_CPU_OFF,		0, 0 },
	{ "cpu_on",	SIM_OP_CPU_ON,		1, 1 },
	{ "block",	SIM_OP_BLOCK,		0, 0 },
	{ "yield",	SIM_OP_YIELD,		0, 0 },
	{ "state",	SIM_OP_STATE,		1, 3 },
	{ "hyp_error",	SIM_OP_HYP_ERROR,	1, 1 },
	{ "system_off",	SIM_OP_SYSTEM_OFF,	1, SIM_MAX_ARGS },
	{ "crash",	SIM_OP_CRASH,		0, 0 },
	{ "loop",	SIM_OP_LOOP,		0, 0 },
	{ "delay",	SIM_OP_DELAY,		1, 1 },
	{ "fault",	SIM_OP_FAULT,		0, 0 },
	{ "psci_reset",	SIM_OP_PSCI_RESET,	0, 3 },
	{ "load",	SIM_OP_LOAD,		2, 2 },
	{ "store",	SIM_OP_STORE,		3, 3 },
};

void sim_program_free(struct sim_program *prog)
{
	if (!prog)
		return;
	kfree(prog->insns);
	kfree(prog->words);
	kfree(prog->text);
	kfree(prog);
}

/* ADDR LEN [VALUE|last] of an MMIO access, or of a load or store */
static const char *sim_parse_access(struct sim_insn *insn, char **argv)
{
	bool mem = insn->op == SIM_OP_LOAD || insn->op == SIM_OP_STORE;
	u64 v;

	if (kstrtou64(argv[0], 0, &insn->arg))
		return "bad address";
	if (kstrtou64(argv[1], 0, &v) || v < 1 || v > (mem ? 8 : 255) ||
	    (mem && !is_power_of_2(v)))
		return mem ? "length must be 1, 2, 4 or 8" : "length must be 1..255";
	insn->len = v;
	if (mem && !IS_ALIGNED(insn->arg, v))
		return "address must be aligned to the length";
	if (insn->op == SIM_OP_MMIO_READ || insn->op == SIM_OP_LOAD)
		return NULL;
	if (!strcmp(argv[2], "last"))
		insn->flag = true;
	else if (kstrtou64(argv[2], 0, &insn->value))
		return "value must be a number or \"last\"";
	return NULL;
}

/* Decode one line's arguments into @insn; return a reason on error */
static const char *sim_parse_args(struct sim_program *prog,
				  struct sim_insn *insn, char **argv,
				  unsigned int argc)
{
	unsigned int i;

	switch (insn->op) {
	case SIM_OP_MMIO_READ:
	case SIM_OP_MMIO_WRITE:
	case SIM_OP_LOAD:
	case SIM_OP_STORE:
		return sim_parse_access(insn, argv);
	case SIM_OP_PAGE_FAULT:
		if (kstrtou64(argv[0], 0, &insn->arg))
			return "bad address";
		if (!strcmp(argv[1], "w"))
			insn->flag = true;
		else if (strcmp(argv[1], "r"))
			return "access must be r or w";
		return NULL;
	case SIM_OP_CPU_ON:
		if (kstrtou64(argv[0], 0, &insn->arg) ||
		    insn->arg >= SIM_MAX_VCPUS)
			return "vCPU index must be 0..63";
		return NULL;
	case SIM_OP_STATE:
		if (kstrtou64(argv[0], 0, &insn->arg) ||
		    (argc > 1 && kstrtou64(argv[1], 0, &insn->value)) ||
		    (argc > 2 && kstrtou64(argv[2], 0, &insn->value2)))
			return "bad state or state data";
		return NULL;
	case SIM_OP_HYP_ERROR:
		if (kstrtoint(argv[0], 0, &insn->err))
			return "bad error number";
		return NULL;
	case SIM_OP_SYSTEM_OFF:
		if (kstrtou64(argv[0], 0, &insn->arg) || insn->arg > U16_MAX)
			return "exit type must be 0..65535";
		for (i = 1; i < argc; i++) {
			u32 w;

			if (kstrtou32(argv[i], 0, &w))
				return "reason words must be u32 numbers";
			prog->words[insn->word + i - 1] = w;
		}
		insn->len = argc - 1;
		return NULL;
	case SIM_OP_DELAY:
		if (kstrtou64(argv[0], 0, &insn->arg) ||
		    insn->arg > SIM_MAX_DELAY_MS)
			return "delay must be 0..1000 ms";
		return NULL;
	case SIM_OP_PSCI_RESET:
		if (!argc)
			return NULL;
		insn->flag = true;
		if (argc == 1 || kstrtou64(argv[0], 0, &insn->arg) ||
		    insn->arg > U32_MAX || kstrtou64(argv[1], 0, &insn->value))
			return "expected TYPE COOKIE [64]";
		if (argc == 3 && strcmp(argv[2], "64"))
			return "the third argument can only be 64";
		insn->flag64 = argc == 3;
		if (!insn->flag64 && insn->value > U32_MAX)
			return "a 32-bit call's cookie is a u32";
		return NULL;
	default:
		return NULL;
	}
}

/**
 * sim_program_parse() - Decode a guest program
 * @text: the program, not necessarily NUL-terminated
 * @len: its length, at most %SIM_MAX_PROGRAM_SIZE
 * @who: names the vCPU in log lines
 *
 * Return: the program, or ERR_PTR(-EINVAL) with a log line naming the
 * offending line, or ERR_PTR(-ENOMEM).
 */
struct sim_program *sim_program_parse(const char *text, size_t len,
				      const char *who)
{
	unsigned int max_insns = 1, lineno = 0, nr_words = 0;
	struct sim_program *prog;
	char *buf, *cur, *line;
	const char *why = NULL, *name = "";
	size_t i;

	for (i = 0; i < len; i++) {
		if (text[i] == '\n')
			max_insns++;
		else if (!text[i])
			break;
	}
	if (i < len) {
		pr_warn("gunyah_sim: %s: program refused: NUL byte at offset %zu\n",
			who, i);
		return ERR_PTR(-EINVAL);
	}

	prog = kzalloc(sizeof(*prog), GFP_KERNEL);
	buf = kmemdup_nul(text, len, GFP_KERNEL);
	if (!prog || !buf)
		goto nomem;
	prog->text = kmemdup(text, len, GFP_KERNEL);
	prog->text_len = len;
	prog->insns = kcalloc(max_insns, sizeof(*prog->insns), GFP_KERNEL);
	/* A reason word takes at least two characters ("0 ") */
	prog->words = kcalloc(len / 2 + 1, sizeof(*prog->words), GFP_KERNEL);
	if ((len && !prog->text) || !prog->insns || !prog->words)
		goto nomem;

	cur = buf;
	while ((line = strsep(&cur, "\n"))) {
		char *argv[SIM_MAX_ARGS + 1], *tok;
		const struct sim_op_desc *desc = NULL;
		struct sim_insn *insn;
		unsigned int argc = 0, k;

		lineno++;
		line = strim(line);
		if (!*line || *line == '#')
			continue;

		name = strsep(&line, " \t");
		while ((tok = strsep(&line, " \t"))) {
			if (!*tok)
				continue;
			if (argc == ARRAY_SIZE(argv)) {
				why = "too many arguments";
				goto bad;
			}
			argv[argc++] = tok;
		}

		for (k = 0; k < ARRAY_SIZE(sim_op_descs); k++) {
			if (!strcmp(name, sim_op_descs[k].name)) {
				desc = &sim_op_descs[k];
				break;
			}
		}
		if (!desc) {
			why = "unknown instruction";
			goto bad;
		}
		if (argc < desc->min_args) {
			why = "missing argument";
			goto bad;
		}
		if (argc > desc->max_args) {
			why = desc->op == SIM_OP_SYSTEM_OFF ?
			      "more than 64 reason words" : "too many arguments";
			goto bad;
		}

		insn = &prog->insns[prog->n];
		insn->op = desc->op;
		insn->word = nr_words;
		why = sim_parse_args(prog, insn, argv, argc);
		if (why)
			goto bad;
		if (insn->op == SIM_OP_SYSTEM_OFF)
			nr_words += insn->len;
		prog->n++;
	}
	kfree(buf);
	return prog;

bad:
	pr_warn("gunyah_sim: %s: program refused: line %u: \"%.32s\": %s\n",
		who, lineno, name, why);
	kfree(buf);
	sim_program_free(prog);
	return ERR_PTR(-EINVAL);

nomem:
	kfree(buf);
	sim_program_free(prog);
	return ERR_PTR(-ENOMEM);
}

/* A vCPU's guest side: its log (and, once loaded, its program) */
int sim_guest_init(struct sim_vcpu *vcpu)
{
	mutex_init(&vcpu->lock);
	vcpu->log.lines = kcalloc(SIM_LOG_LINES, sizeof(*vcpu->log.lines),
				  GFP_KERNEL);
	return vcpu->log.lines ? 0 : -ENOMEM;
}

void sim_guest_free(struct sim_vcpu *vcpu)
{
	sim_program_free(vcpu->prog);
	kfree(vcpu->log.lines);
	mutex_destroy(&vcpu->lock);
}
