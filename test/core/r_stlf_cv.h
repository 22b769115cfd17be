/*
 * r_stlf_cv.h - reads test/data/r_stlf_cv.csv (make_r_stlf_cv.R): R's stlf
 * day-ahead forecasts of taylor from the 28 daily origins before its
 * held-out day.  Shared by test_stl.c and test/bench/stl_taylor.c.
 */
#ifndef R_STLF_CV_H
#define R_STLF_CV_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_STLF_CV_DAYS 28
#define R_STLF_CV_H_STEPS 48

/*
 * Rows origin,step,ets,arima,"ETS(M,N,N)" into origin[d], ets[d][step - 1],
 * arima[d][step - 1] (arima may be NULL) and form[d]; returns the origins
 * read, or 0 when the file is missing or malformed (a field missing, steps
 * not 1..48 in order within each origin, more than R_STLF_CV_DAYS origins,
 * a day cut short), with the line on stderr.
 */
static inline int
r_stlf_cv_load(const char *path, int64_t *origin, double (*ets)[R_STLF_CV_H_STEPS],
			   double (*arima)[R_STLF_CV_H_STEPS], char (*form)[16])
{
	FILE	   *f = fopen(path, "r");
	char		line[256];
	int			nd = 0,
				last = R_STLF_CV_H_STEPS,	/* the step read last */
				lineno = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
	{
		char	   *p = line,
				   *q;
		double		v[4];
		int			step;

		lineno++;
		if (lineno == 1 && strncmp(line, "\"origin\"", 8) == 0)
			continue;			/* the header */
		/* four numbers, each but the first after a comma */
		for (int k = 0; k < 4; k++)
		{
			char	   *end;

			if (k > 0 && *p++ != ',')
				goto bad;
			v[k] = strtod(p, &end);
			if (end == p)
				goto bad;
			p = end;
		}
		step = (int) v[1];
		if (step != last % R_STLF_CV_H_STEPS + 1 || (double) step != v[1])
			goto bad;
		if (step == 1)
		{
			if (nd == R_STLF_CV_DAYS)
				goto bad;
			origin[nd++] = (int64_t) v[0];
		}
		else if ((int64_t) v[0] != origin[nd - 1])
			goto bad;
		ets[nd - 1][step - 1] = v[2];
		if (arima)
			arima[nd - 1][step - 1] = v[3];
		/* ,"ETS(M,N,N)" */
		if (*p++ != ',' || *p != '"' || (q = strchr(p + 1, '"')) == NULL || q - p - 1 >= 16 || q == p + 1)
			goto bad;
		snprintf(form[nd - 1], 16, "%.*s", (int) (q - p - 1), p + 1);
		last = step;
	}
	fclose(f);
	if (last != R_STLF_CV_H_STEPS)
	{
		fprintf(stderr, "%s: the last origin stops at step %d of %d\n", path, last, R_STLF_CV_H_STEPS);
		return 0;
	}
	return nd;
bad:
	fprintf(stderr, "%s:%d: malformed: %s", path, lineno, line);
	fclose(f);
	return 0;
}

#endif							/* R_STLF_CV_H */
