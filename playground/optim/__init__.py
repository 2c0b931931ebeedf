"""How weights move: the optimizers (torch.optim's update rules, each class describing its
own settings) and the learning-rate schedules."""
