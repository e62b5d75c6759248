return { secret = "outside the recipe folder" }
