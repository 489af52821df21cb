"""Pure computation: effect sizes, pooling, heterogeneity. Never imports click or matplotlib."""
