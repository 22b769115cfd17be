/*
 * baselines.c - benchmark forecasting methods, as R's forecast package
 */
#include "baselines.h"

#include <math.h>
#include <string.h>

static const char *const bl_names[] = {NULL, "naive", "snaive", "drift", "mean", "croston", "sba"};

/* Name of a method. */
const char *
cp_bl_name(cp_bl_method m)
{
	return (m >= CP_BL_NAIVE && m <= CP_BL_SBA) ? bl_names[m] : NULL;
}

/* Code of a method name, or 0. */
cp_bl_method
cp_bl_code(const char *name)
{
	for (int i = CP_BL_NAIVE; i <= CP_BL_SBA; i++)
		if (strcmp(name, bl_names[i]) == 0)
			return (cp_bl_method) i;
	return 0;
}

/* Points a method needs. */
int64_t
cp_bl_min_points(cp_bl_method m, int64_t lag)
{
	switch (m)
	{
		case CP_BL_NAIVE:
		case CP_BL_MEAN:
			return 2;
		case CP_BL_SNAIVE:
			return lag + 1;
		case CP_BL_DRIFT:
			return 3;
		case CP_BL_CROSTON:
		case CP_BL_SBA:
			return 1;
	}
	return 2;
}

/* Croston's demand rate: SES on demand sizes and on intervals. */
static double
croston_rate(const double *y, int64_t n, double alpha)
{
	double		size = 0,
				gap = 0;
	int64_t		last = -1,
				count = 0;

	for (int64_t t = 0; t < n; t++)
	{
		if (y[t] > 0)
		{
			double		interval = (double) (t - last);

			if (count == 0)
			{
				size = y[t];
				gap = interval;
			}
			else
			{
				size += alpha * (y[t] - size);
				gap += alpha * (interval - gap);
			}
			last = t;
			count++;
		}
	}
	if (count == 0)
		return 0.0;
	return size / gap;
}

/* Fit a baseline. */
int
cp_bl_fitting(cp_bl_method m, const double *y, int64_t n, int64_t lag, double alpha,
			  cp_bl_fit *f)
{
	memset(f, 0, sizeof(*f));
	f->method = m;
	f->n = n;
	f->lag = (m == CP_BL_SNAIVE) ? lag : 1;
	f->alpha = alpha;
	if (n < cp_bl_min_points(m, f->lag))
		return -1;
	switch (m)
	{
		case CP_BL_NAIVE:
		case CP_BL_SNAIVE:
			{
				double		ss = 0;
				int64_t		l = f->lag;

				for (int64_t t = l; t < n; t++)
					ss += (y[t] - y[t - l]) * (y[t] - y[t - l]);
				f->mse = ss / (double) (n - l);
				break;
			}
		case CP_BL_DRIFT:
			{
				/* lm(diff ~ 1): slope = mean difference, sigma with n - 2 df */
				double		b = (y[n - 1] - y[0]) / (double) (n - 1);
				double		ss = 0;

				for (int64_t t = 1; t < n; t++)
				{
					double		e = y[t] - y[t - 1] - b;

					ss += e * e;
				}
				f->drift = b;
				f->mse = ss / (double) (n - 2);
				f->drift_se = sqrt(f->mse / (double) (n - 1));
				break;
			}
		case CP_BL_MEAN:
			{
				double		s = 0,
							ss = 0;

				for (int64_t t = 0; t < n; t++)
					s += y[t];
				f->mean = s / (double) n;
				for (int64_t t = 0; t < n; t++)
					ss += (y[t] - f->mean) * (y[t] - f->mean);
				f->sd = sqrt(ss / (double) (n - 1));
				break;
			}
		case CP_BL_CROSTON:
		case CP_BL_SBA:
			f->rate = croston_rate(y, n, alpha);
			if (m == CP_BL_SBA)
				f->rate *= 1.0 - alpha / 2.0;
			break;
	}
	return 0;
}

/* Forecast step h. */
void
cp_bl_forecast(const cp_bl_fit *f, const double *y, int64_t h, double *point,
			   double *se, double *df)
{
	int64_t		n = f->n;

	*df = INFINITY;
	switch (f->method)
	{
		case CP_BL_NAIVE:
		case CP_BL_SNAIVE:
		case CP_BL_DRIFT:
			{
				int64_t		l = f->lag;
				int64_t		steps = (h - 1) / l + 1;	/* seasons ahead */

				*point = y[n - l + (h - 1) % l] + (double) h * f->drift;
				*se = sqrt(f->mse * (double) steps +
						   ((double) steps * f->drift_se) * ((double) steps * f->drift_se));
				break;
			}
		case CP_BL_MEAN:
			*point = f->mean;
			*se = f->sd * sqrt(1.0 + 1.0 / (double) n);
			*df = (double) (n - 1);
			break;
		case CP_BL_CROSTON:
		case CP_BL_SBA:
			*point = f->rate;
			*se = NAN;
			break;
	}
}

/* In-sample one-step fitted values. */
void
cp_bl_fitted(const cp_bl_fit *f, const double *y, int64_t n, double *out)
{
	switch (f->method)
	{
		case CP_BL_NAIVE:
		case CP_BL_SNAIVE:
		case CP_BL_DRIFT:
			for (int64_t t = 0; t < n; t++)
				out[t] = (t < f->lag) ? NAN : y[t - f->lag] + f->drift;
			break;
		case CP_BL_MEAN:
			for (int64_t t = 0; t < n; t++)
				out[t] = f->mean;
			break;
		case CP_BL_CROSTON:
		case CP_BL_SBA:
			{
				/* the one-step forecast from y[0..t-1], as croston's fitted */
				double		size = 0,
							gap = 0;
				int64_t		last = -1,
							count = 0;
				double		adj = (f->method == CP_BL_SBA) ? 1.0 - f->alpha / 2.0 : 1.0;

				for (int64_t t = 0; t < n; t++)
				{
					out[t] = (t == 0) ? NAN : (count == 0 ? 0.0 : adj * size / gap);
					if (y[t] > 0)
					{
						double		interval = (double) (t - last);

						if (count == 0)
						{
							size = y[t];
							gap = interval;
						}
						else
						{
							size += f->alpha * (y[t] - size);
							gap += f->alpha * (interval - gap);
						}
						last = t;
						count++;
					}
				}
				break;
			}
	}
}
