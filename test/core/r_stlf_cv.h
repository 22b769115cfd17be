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
 * read (0 when the file is missing).
 */
static inline int
r_stlf_cv_load(const char *path, int64_t *origin, double (*ets)[R_STLF_CV_H_STEPS],
			   double (*arima)[R_STLF_CV_H_STEPS], char (*form)[16])
{
	FILE	   *f = fopen(path, "r");
	char		line[256];
	int			nd = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
	{
		char	   *p = line,
				   *q;
		int64_t		o = (int64_t) strtod(p, &p);
		int			step;
		double		a;

		if (*p != ',')
			continue;			/* the header */
		step = (int) strtod(p + 1, &p);
		if (step < 1 || step > R_STLF_CV_H_STEPS || (step == 1 && nd == R_STLF_CV_DAYS) ||
			(step > 1 && nd == 0))
			break;
		if (step == 1)
			origin[nd++] = o;
		ets[nd - 1][step - 1] = strtod(p + 1, &p);
		a = strtod(p + 1, &p);
		if (arima)
			arima[nd - 1][step - 1] = a;
		p = strchr(p, '"');
		q = p ? strchr(p + 1, '"') : NULL;
		if (p && q && q - p - 1 < 16)
			snprintf(form[nd - 1], 16, "%.*s", (int) (q - p - 1), p + 1);
	}
	fclose(f);
	return nd;
}

#endif							/* R_STLF_CV_H */
